// The preview on the rule form: the exact answer a rule gives to a sample request of its service, without saving.
import { currencyDecimals } from '../../core/currency.ts';
import { samplePayParams } from '../../core/samples.ts';
import { formatAmount } from '../../core/money.ts';
import { conditionHolds, isDecimal } from '../../core/rules/conditions.ts';
import type { Condition, Rule } from '../../core/rules/types.ts';
import { getService } from '../../core/services/index.ts';
import { signParams } from '../../core/sign.ts';
import { type Partner, type Params, type ServiceName, SERVICES, TRADE_STATES, type Trade, type TradeState } from '../../core/types.ts';
import { normalizeFields } from '../../core/xml.ts';
import { type Accepted, answerAccepted, checkRequest } from '../../core/gateway.ts';

export interface Preview {
  service: ServiceName;
  /** whose key signed the sample and the answer */
  partner: string;
  /** the sample request, signed, in the order it is sent */
  request: Array<[string, string]>;
  /** the stored trade the sample refers to (refund, cancel, query), in words */
  trade: string | null;
  /** the answer's body; null when the fault sends none */
  xml: string | null;
  /** what the client reads from it: is_success and the `<response><alipay>` fields (or the gateway error) */
  answer: Array<[string, string]>;
  /** what the answer looks like on the wire when it is not simply that XML, and other things worth knowing */
  notes: string[];
}

const SAMPLE_TRANS_ID = 'PREVIEW-T1';
const SAMPLE_ALIPAY_ID = '2024010122001400011234567890';
const SAMPLE_CREATE_TIME = '20240101120000';

function samplePay(partner: string): Record<string, string> {
  const fields = samplePayParams({ partner, partnerTransId: SAMPLE_TRANS_ID, transCreateTime: SAMPLE_CREATE_TIME, transName: 'Preview' });
  return { service: SERVICES.pay, partner, _input_charset: 'utf-8', ...Object.fromEntries(fields) };
}

function sampleRequest(service: ServiceName, partner: string): Record<string, string> {
  const common = { service, partner, _input_charset: 'utf-8' };
  switch (service) {
    case SERVICES.pay:
      return samplePay(partner);
    case SERVICES.refund:
      return { ...common, partner_trans_id: SAMPLE_TRANS_ID, partner_refund_id: 'PREVIEW-R1', refund_amount: '1.00', currency: 'USD' };
    case SERVICES.cancel:
      return { ...common, out_trade_no: SAMPLE_TRANS_ID };
    case SERVICES.query:
      return { ...common, partner_trans_id: SAMPLE_TRANS_ID };
  }
}

/** the current value with one more in its last place: "10.00" → "11.00" */
function shifted(value: string, by: number): string {
  const decimals = value.split('.')[1]?.length ?? 0;
  return (Number(value) + by).toFixed(decimals);
}

/** values worth trying for a condition, best first; null means "leave the parameter out" */
function candidates(condition: Condition, current: string | undefined): Array<string | null> {
  const value = typeof condition.value === 'string' ? condition.value : '';
  const list = Array.isArray(condition.value) ? condition.value : [];
  switch (condition.op) {
    case 'eq':
      return [value];
    case 'in':
      return list.slice(0, 1);
    case 'ne':
    case 'not_in':
      return current === undefined ? [] : [`${current}1`, 'preview'];
    case 'prefix':
      return [`${value}${current ?? ''}`];
    case 'suffix':
    case 'contains':
      return [`${current ?? ''}${value}`];
    case 'gt':
    case 'lt':
    case 'gte':
    case 'lte': {
      if (!isDecimal(value)) return [];
      const up = condition.op === 'gt' || condition.op === 'gte';
      const step = shifted(value, up ? 1 : -1);
      return condition.op === 'gte' || condition.op === 'lte' ? [value, step] : [step, shifted(value, up ? 0.01 : -0.01)];
    }
    case 'present':
      return [current ?? 'preview'];
    case 'absent':
      return [null];
    case 'regex':
      return [];
  }
}

/** sets `params[name]` so that the condition holds, where a value can be found; the current value wins if it does */
function satisfy(params: Record<string, string>, name: string, condition: Condition, test: (p: Params) => boolean): void {
  if (test(params)) return;
  for (const candidate of candidates(condition, params[name])) {
    const next = { ...params };
    if (candidate === null) delete next[name];
    else next[name] = candidate;
    if (test(next)) {
      if (candidate === null) delete params[name];
      else params[name] = candidate;
      return;
    }
  }
}

/** a trade field's condition, as the pay parameter that sets it */
const TRADE_PAY_PARAM: Readonly<Record<string, string>> = {
  trans_amount: 'trans_amount',
  currency: 'currency',
  partner_trans_id: 'partner_trans_id',
  trans_name: 'trans_name',
  buyer_identity_code: 'buyer_identity_code',
};

/** the paid trade a refund, cancel or query refers to, shaped to the rule's `trade.` conditions where it can be */
function sampleTrade(conditions: readonly Condition[], request: Record<string, string>, partner: string, now: Date): Trade | null {
  const pay = samplePay(partner);
  pay.partner_trans_id = request.partner_trans_id ?? request.out_trade_no ?? SAMPLE_TRANS_ID;
  const tradeConditions = conditions.filter((c) => c.param.startsWith('trade.'));
  for (const condition of tradeConditions) {
    const field = condition.param.slice('trade.'.length);
    const name = TRADE_PAY_PARAM[field];
    if (name) satisfy(pay, name, { ...condition, param: name }, (p) => conditionHolds({ ...condition, param: name }, { params: p, trade: null }));
  }
  const alipayId = tradeConditions.find((c) => c.param === 'trade.alipay_trans_id' && c.op === 'eq')?.value;
  const freshAlipayTransId = typeof alipayId === 'string' ? alipayId : (request.alipay_trans_id ?? request.trade_no ?? SAMPLE_ALIPAY_ID);
  const made = getService(SERVICES.pay).execute({ params: pay, partner, now, trade: null, existingRefund: null, freshAlipayTransId });
  if (!made.trade) return null;
  const state = tradeConditions.find((c) => c.param === 'trade.state' && c.op === 'eq')?.value;
  const trade = { ...made.trade };
  if (typeof state === 'string' && (TRADE_STATES as readonly string[]).includes(state)) trade.state = state as TradeState;
  // the request must name the trade it refers to
  if (request.partner_trans_id !== undefined) request.partner_trans_id = trade.partnerTransId;
  if (request.out_trade_no !== undefined) request.out_trade_no = trade.partnerTransId;
  if (request.currency !== undefined && request.service === SERVICES.refund) request.currency = trade.currency;
  return trade;
}

const FAULT_WORDS: Readonly<Record<string, string>> = {
  delay: 'The answer below arrives late',
  reset: 'The connection is dropped: the client gets no answer at all (fault reset). The operation still happens.',
  empty: 'HTTP 200 with an empty body instead of the XML below (fault empty). The operation still happens.',
  malformed_xml: 'The XML below is cut off inside <response> and never closes (fault malformed_xml). The operation still happens.',
  http_500: 'HTTP 500 with an HTML error page instead of the XML below (fault http_500). The operation still happens.',
  bad_sign: 'The XML below is sent with a wrong <sign>: a client that checks signatures rejects it (fault bad_sign).',
};

function describeTrade(trade: Trade): string {
  const amount = formatAmount(trade.amount, currencyDecimals(trade.currency));
  return `partner_trans_id ${trade.partnerTransId}, alipay_trans_id ${trade.alipayTransId}, ${trade.currency} ${amount}, ${trade.state}`;
}

/** the names of the fields whose value is not plain ASCII: where clients' signature checks part ways */
export function nonAsciiFields(fields: Readonly<Record<string, string>>): string[] {
  return Object.entries(fields).filter(([, value]) => /[^\x00-\x7f]/.test(value)).map(([name]) => name);
}

/** runs the rule on a sample request of its service (pay for "*"), as the gateway would, and renders the answer */
export function previewRule(rule: Rule, partner: Partner, now: Date): Preview {
  const service: ServiceName = rule.service === '*' ? SERVICES.pay : rule.service;
  const definition = getService(service);
  const notes: string[] = [];
  if (rule.service === '*') notes.push('This rule answers every service; the sample is a pay.');
  const params = sampleRequest(service, partner.id);
  // the sample meets `when` and the first any-of group: any group would do
  const groups = rule.whenAny ?? [];
  const conditions = [...rule.when, ...(groups[0] ?? [])];
  if (groups.length > 1) notes.push(`Of the ${groups.length} any-of groups, the sample meets the first.`);
  for (const condition of conditions) {
    if (condition.param.startsWith('trade.') || condition.param === 'service' || condition.param === 'partner') continue;
    satisfy(params, condition.param, condition, (p) => conditionHolds(condition, { params: p, trade: null }));
  }
  const trade = service === SERVICES.pay ? null : sampleTrade(conditions, params, partner.id, now);
  const unmet = conditions.filter((condition) => !conditionHolds(condition, { params, trade }));
  if (unmet.length > 0) {
    const list = unmet.map((c) => `${c.param} ${c.op}${c.value === undefined ? '' : ` ${Array.isArray(c.value) ? c.value.join(', ') : c.value}`}`);
    notes.push(`The sample could not be made to meet: ${list.join('; ')}. The answer shown is what a request that meets them gets.`);
  }
  const problem = definition.missingParam(params) ?? definition.invalidParam(params);
  if (problem) notes.push(`For this sample the gateway itself answers first (${problem}), before any rule.`);
  const signed: Array<[string, string]> = [...Object.entries(params), ['sign', signParams(params, partner.key, 'utf-8')], ['sign_type', 'MD5']];
  // the gateway's own functions, on the sample as a UTF-8 client sends it
  const request = { params: Object.fromEntries(signed), order: signed.map(([name]) => name), charset: 'utf-8' as const };
  const verdict = checkRequest(request, (id) => (id === partner.id ? partner : undefined));
  if (verdict.kind === 'reject') throw new Error(`the preview's own sample was refused: ${verdict.message}`);
  // a sample the gateway answers INVALID_PARAMETER is still shown with the rule's answer (the note says so)
  const accepted: Accepted = verdict.kind === 'accept' ? verdict : { ...verdict, kind: 'accept', ref: definition.ref(request.params) };
  const { decision, answer: sent, intendedXml } = answerAccepted({ accepted, rule, now, trade, existingRefund: null, freshAlipayTransId: SAMPLE_ALIPAY_ID });
  const fields = sent.isSuccess ? normalizeFields(decision.fields) : null;
  const answer: Array<[string, string]> = fields
    ? [['is_success', 'T'], ...Object.entries(fields)]
    : [['is_success', 'F'], ['error', decision.gatewayError ?? '']];
  const nonAscii = fields ? nonAsciiFields(fields) : [];
  if (nonAscii.length > 0) {
    notes.push(
      `Signed answer value${nonAscii.length > 1 ? 's' : ''} not in ASCII: ${nonAscii.join(', ')}. The answer is signed over the bytes of the request's charset; clients disagree on those bytes (one PHP library always hashes GB2312), so some will reject this signature.`,
    );
  }
  if (decision.fault) notes.push(FAULT_WORDS[decision.fault] ?? `fault ${decision.fault}`);
  if (decision.delayMs > 0) notes.push(`The answer is sent after ${decision.delayMs} ms.`);
  if (rule.then.type === 'business' && rule.then.apply) notes.push('The operation really happens; only the answer is uncertain. A retry with the same ids answers SUCCESS.');
  if (rule.then.type === 'pending') {
    const settles = rule.then.settleTo ? `settles to ${rule.then.settleTo}` : 'waits until it is cancelled or closes itself after 3 minutes';
    notes.push(`The trade is stored as WAIT_BUYER_PAY and ${settles}.`);
  }
  return { service, partner: partner.id, request: signed, trade: trade && describeTrade(trade), xml: decision.fault === 'reset' ? null : intendedXml, answer, notes };
}
