// Forms that start filled in: a stored rule (edit), a rule to copy (clone), a logged request ("make a rule from this
// request": its own ids and amounts become the conditions).
import type { Condition, Outcome, Rule } from '../../core/rules/types.ts';
import { type ServiceName, SERVICES, isServiceName } from '../../core/types.ts';
import { formatTime } from './request-format.ts';
import { type ConditionRow, type RuleForm, blankRow, emptyRuleForm } from './rule-form.ts';

function rowFromCondition(condition: Condition): ConditionRow {
  const value = condition.value;
  return { param: condition.param, op: condition.op, value: Array.isArray(value) ? value.join(', ') : (value ?? '') };
}

const count = (value: number | null | undefined): string => (value === null || value === undefined ? '' : String(value));

function outcomeForm(then: Outcome): Partial<RuleForm> {
  const common = { type: then.type, error: then.error ?? '', delayMs: String(then.delayMs ?? 0) };
  switch (then.type) {
    case 'business':
      return {
        ...common,
        resultCode: then.resultCode,
        fields: Object.entries(then.fields ?? {}).map(([name, value]) => `${name}=${value}`).join('\n'),
        apply: then.apply === true,
      };
    case 'pending':
      return {
        ...common,
        settleTo: then.settleTo ?? '',
        settleAfterQueries: count(then.settleAfterQueries),
        settleAfterSeconds: count(then.settleAfterSeconds),
      };
    case 'fault':
      return { ...common, fault: then.fault };
    case 'gateway':
      return common;
  }
}

/** a stored rule in the form, for editing */
export function formFromRule(rule: Rule): RuleForm {
  return {
    ...emptyRuleForm(rule.service),
    id: rule.id,
    name: rule.name,
    service: rule.service,
    partner: rule.partner ?? '',
    priority: String(rule.priority),
    enabled: rule.enabled,
    // a rule for every request still gets one empty row to type into
    when: rule.when.length === 0 ? [blankRow()] : rule.when.map(rowFromCondition),
    whenAny: (rule.whenAny ?? []).map((group) => group.map(rowFromCondition)),
    // it was saved without a condition on purpose: saving it again must not ask again
    everyRequest: rule.when.length === 0 && (rule.whenAny ?? []).length === 0,
    ...outcomeForm(rule.then),
    // in GMT+8 as the pages write times; the form reads a time without a zone in GMT+8
    activeUntil: rule.activeUntil === null ? '' : formatTime(new Date(rule.activeUntil)),
    remainingUses: count(rule.remainingUses),
  };
}

/** a rule as the start of a new custom one: no id, a new name, no window that has run out, uses restored */
export function cloneForm(rule: Rule, now: Date): RuleForm {
  const form = formFromRule(rule);
  const expired = rule.activeUntil !== null && Date.parse(rule.activeUntil) <= now.getTime();
  return {
    ...form,
    id: '',
    name: `${rule.name} (copy)`.slice(0, 200),
    enabled: true,
    activeUntil: expired ? '' : form.activeUntil,
    remainingUses: rule.remainingUses === 0 ? '' : form.remainingUses,
  };
}

/**
 * What each service's rule keys on. A pay is known by its amount (the defaults' habit); the others by the ids
 * they name, since the amount of the trade they refer to is not in the request.
 */
const KEYS: Readonly<Record<ServiceName, ReadonlyArray<readonly string[]>>> = {
  [SERVICES.pay]: [['trans_amount']],
  [SERVICES.refund]: [['partner_trans_id', 'alipay_trans_id'], ['refund_amount']],
  [SERVICES.cancel]: [['out_trade_no', 'trade_no']],
  [SERVICES.query]: [['partner_trans_id', 'alipay_trans_id']],
};

export interface LoggedRequest {
  service: string | null;
  partner: string | null;
  params: Record<string, string>;
}

/** the form pre-filled from a request-log entry: its service, its partner, and conditions on its values */
export function formFromRequest(entry: LoggedRequest): RuleForm {
  const service = entry.service !== null && isServiceName(entry.service) ? entry.service : SERVICES.pay;
  const when: ConditionRow[] = [];
  for (const choices of KEYS[service]) {
    // the first of the alternatives the request carries (out_trade_no, else trade_no)
    const param = choices.find((name) => Object.hasOwn(entry.params, name) && entry.params[name] !== '');
    if (param !== undefined) when.push({ param, op: 'eq', value: entry.params[param]! });
  }
  return { ...emptyRuleForm(service), partner: entry.partner ?? '', when: when.length === 0 ? [blankRow()] : when };
}
