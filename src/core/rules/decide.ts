import { failureFields } from '../services/common.ts';
import type { ExecuteInput, ExecuteResult, ServiceDefinition } from '../services/service.ts';
import type { Fields, Refund, Trade } from '../types.ts';
import { outcomeFields } from './render.ts';
import type { Fault, Rule } from './types.ts';

/** What a request gets once its rule (or none) is known: pure, the shell persists and sends it. */
export interface Decision {
  /** `is_success=F` with this error; null for a signed answer */
  gatewayError: string | null;
  /** the `<response><alipay>` fields (when gatewayError is null) */
  fields: Fields;
  /** state to persist */
  trade?: Trade;
  refund?: Refund;
  /** how the HTTP answer is to be broken, if at all */
  fault: Fault | null;
  delayMs: number;
}

function changed(result: ExecuteResult): boolean {
  return result.trade !== undefined || result.refund !== undefined;
}

/**
 * The decision of a service's result. Written out, and fields merged with Object.assign: in V8 11 (Node 20) a
 * spread followed by keys it did not have (`{ ...base, ...real }`) costs ~1 µs against ~0.1 µs.
 */
function fromResult(result: ExecuteResult, delayMs: number, fault: Fault | null = null, fields: Fields = result.fields): Decision {
  return { gatewayError: null, fault, delayMs, fields, trade: result.trade, refund: result.refund };
}

/** a decision that changes nothing */
function answerOnly(fields: Fields, delayMs: number, gatewayError: string | null = null): Decision {
  return { gatewayError, fault: null, delayMs, fields };
}

/**
 * Applies a rule's outcome to a request. No rule: the service's normal behaviour. `business` SUCCESS runs the
 * service and lays the rule's fields over its answer; any other `business` answers the failure and changes
 * nothing, unless `apply` (refund UNKNOW, cancel UNKNOWN): then the operation happens and only the answer is
 * uncertain — a retry that changes nothing more gets the real SUCCESS. `pending` creates a waiting trade (pay).
 * `fault` runs the service normally and breaks only the HTTP answer (the trade exists, as after a timeout).
 */
export function decide(rule: Rule | null, service: ServiceDefinition, input: ExecuteInput): Decision {
  const delayMs = rule?.then.delayMs ?? 0;
  if (!rule) return fromResult(service.execute(input), delayMs);
  const then = rule.then;
  const extra = () => outcomeFields(then, input.params, input.trade);
  switch (then.type) {
    case 'gateway':
      return answerOnly({}, delayMs, then.error);
    case 'fault':
      return fromResult(service.execute(input), delayMs, then.fault);
    case 'pending': {
      const pending = {
        settleTo: then.settleTo ?? null,
        settleAfterQueries: then.settleAfterQueries ?? null,
        settleAfterSeconds: then.settleAfterSeconds ?? null,
      };
      const result = service.execute({ ...input, pending });
      const error = then.error && result.resultCode === 'UNKNOW' ? { error: then.error } : undefined;
      return fromResult(result, delayMs, null, Object.assign({}, result.fields, error, extra()));
    }
    case 'business': {
      if (then.resultCode === 'SUCCESS') {
        const result = service.execute(input);
        return fromResult(result, delayMs, null, Object.assign({}, result.fields, extra()));
      }
      const failure: Fields = { ...failureFields(service, input.params, then.error ?? ''), result_code: then.resultCode };
      if (!then.error) {
        delete failure.error;
        delete failure.detail_error_code;
      }
      if (then.apply) {
        const result = service.execute(input);
        // nothing changed: an earlier call already applied it (or it cannot apply) — answer the truth
        if (!changed(result)) return fromResult(result, delayMs);
        const ids = identifying(service, result.fields);
        return fromResult(result, delayMs, null, Object.assign({}, ids, failure, extra()));
      }
      return answerOnly(Object.assign({}, failure, extra()), delayMs);
    }
  }
}

/** The ids an uncertain answer still carries (cancel's out_trade_no/trade_no; refund's ids). */
function identifying(service: ServiceDefinition, fields: Fields): Fields {
  const names =
    service.name === 'alipay.acquire.cancel'
      ? ['out_trade_no', 'trade_no']
      : ['partner_trans_id', 'partner_refund_id', 'alipay_trans_id'];
  const out: Fields = {};
  for (const name of names) if (fields[name]) out[name] = fields[name]!;
  return out;
}
