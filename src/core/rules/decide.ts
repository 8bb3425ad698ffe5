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

function real(result: ExecuteResult): Pick<Decision, 'fields' | 'trade' | 'refund'> {
  return { fields: result.fields, trade: result.trade, refund: result.refund };
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
  const base = { gatewayError: null, fault: null, delayMs };
  if (!rule) return { ...base, ...real(service.execute(input)) };
  const then = rule.then;
  const extra = () => outcomeFields(then, input.params, input.trade);
  switch (then.type) {
    case 'gateway':
      return { ...base, gatewayError: then.error, fields: {} };
    case 'fault': {
      const result = service.execute(input);
      return { ...base, ...real(result), fault: then.fault };
    }
    case 'pending': {
      const pending = {
        settleTo: then.settleTo ?? null,
        settleAfterQueries: then.settleAfterQueries ?? null,
        settleAfterSeconds: then.settleAfterSeconds ?? null,
      };
      const result = service.execute({ ...input, pending });
      const fields = { ...result.fields, ...(then.error && result.resultCode === 'UNKNOW' ? { error: then.error } : {}), ...extra() };
      return { ...base, ...real(result), fields };
    }
    case 'business': {
      if (then.resultCode === 'SUCCESS') {
        const result = service.execute(input);
        return { ...base, ...real(result), fields: { ...result.fields, ...extra() } };
      }
      const failure: Fields = { ...failureFields(service, input.params, then.error ?? ''), result_code: then.resultCode };
      if (!then.error) {
        delete failure.error;
        delete failure.detail_error_code;
      }
      if (then.apply) {
        const result = service.execute(input);
        // nothing changed: an earlier call already applied it (or it cannot apply) — answer the truth
        if (!changed(result)) return { ...base, ...real(result) };
        const ids = identifying(service, result.fields);
        return { ...base, ...real(result), fields: { ...ids, ...failure, ...extra() } };
      }
      return { ...base, fields: { ...failure, ...extra() } };
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
