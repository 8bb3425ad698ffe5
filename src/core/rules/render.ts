// Text a rule produces: its answer fields with `{{param}}` filled in, and one-line descriptions of it.
import type { Fields, Params, Trade } from '../types.ts';
import { paramProblem, readParam } from './conditions.ts';
import type { Condition, Outcome, Rule } from './types.ts';
import { serviceLabel } from './vocabulary.ts';

/** `{{name}}`, spaces inside the braces allowed */
const TEMPLATE = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** why a field value is not a valid template, or null: every `{{` must close and name a parameter */
export function templateProblem(text: string): string | null {
  let from = 0;
  for (;;) {
    const open = text.indexOf('{{', from);
    if (open < 0) return null;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) return `unclosed template at "${text.slice(open, open + 20)}": write {{name}}`;
    const name = text.slice(open + 2, close).trim();
    if (name === '') return 'empty template {{}}: write {{name}} with a request parameter name';
    if (paramProblem(name) !== null) return `invalid template {{${name}}}: {{name}} takes a parameter name or trade.<field>`;
    from = close + 2;
  }
}

/** `{{name}}` replaced by the request's value (or the trade's, for `trade.<field>`); absent values are empty */
export function renderTemplate(text: string, params: Params, trade: Trade | null = null): string {
  if (!text.includes('{{')) return text;
  return text.replace(TEMPLATE, (whole, name: string) =>
    paramProblem(name) === null ? (readParam(name, { params, trade }) ?? '') : whole,
  );
}

/**
 * The response fields a rule lays over the answer, templates rendered. An empty value is kept: laid over the
 * service's answer it removes that field, since empty fields are never emitted.
 */
export function outcomeFields(then: Outcome, params: Params, trade: Trade | null = null): Fields {
  if (then.type !== 'business' || !then.fields) return {};
  // fromEntries, not assignment: a field named "__proto__" must stay a field
  return Object.fromEntries(Object.entries(then.fields).map(([name, value]) => [name, renderTemplate(value, params, trade)]));
}

function conditionText(condition: Condition, friendly: boolean): string {
  const { param, op, value } = condition;
  if (op === 'present' || op === 'absent') return `${param} ${op}`;
  const shown = Array.isArray(value) ? `[${value.join(', ')}]` : (value ?? '');
  if (friendly && op === 'eq' && (param === 'trans_amount' || param === 'trade.trans_amount')) {
    return `${param === 'trans_amount' ? 'amount' : 'trade amount'} ${shown}`;
  }
  return `${param} ${op} ${shown}`;
}

function outcomeText(then: Outcome, separator: string): string {
  const delay = then.delayMs ? ` after ${then.delayMs} ms` : '';
  const join = (...parts: Array<string | undefined>) => parts.filter((part) => part).join(separator);
  switch (then.type) {
    case 'business':
      return join(then.resultCode, then.error) + (then.apply ? ' (applied)' : '') + delay;
    case 'gateway':
      return join('is_success=F', then.error) + delay;
    case 'pending': {
      const after = [
        then.settleAfterQueries ? `${then.settleAfterQueries} queries` : '',
        then.settleAfterSeconds ? `${then.settleAfterSeconds} s` : '',
      ].filter((part) => part).join(' or ');
      const settles = then.settleTo ? `, then ${then.settleTo}${after ? ` after ${after}` : ''}` : ', waits';
      return join('UNKNOW', then.error) + settles + delay;
    }
    case 'fault':
      return `fault ${then.fault}` + (then.fault === 'delay' ? ` ${then.delayMs ?? 0} ms` : delay);
  }
}

/** "a and b", then "(c and d or e)" for the whenAny groups; "every request" when there is no condition */
export function conditionsText(rule: Pick<Rule, 'when' | 'whenAny'>, friendly = true): string {
  const all = (conditions: readonly Condition[]) => conditions.map((c) => conditionText(c, friendly)).join(' and ');
  const groups = (rule.whenAny ?? []).filter((group) => group.length > 0);
  const parts = rule.when.length > 0 ? [all(rule.when)] : [];
  if (groups.length === 1) parts.push(all(groups[0]!));
  else if (groups.length > 1) parts.push(`(${groups.map(all).join(' or ')})`);
  return parts.length === 0 ? 'every request' : parts.join(' and ');
}

/** what a rule does, in one line for catalogues: "amount 9902 → FAILED / BUYER_BALANCE_NOT_ENOUGH" */
export function describeRule(rule: Pick<Rule, 'when' | 'whenAny' | 'then'>): string {
  return `${conditionsText(rule)} → ${outcomeText(rule.then, ' / ')}`;
}

/** the name given to a rule created without one: "pay: trans_amount eq 9902 → FAILED/BUYER_BALANCE_NOT_ENOUGH" */
export function defaultRuleName(rule: Pick<Rule, 'service' | 'when' | 'whenAny' | 'then'>): string {
  const when = conditionsText(rule, false);
  const name = `${serviceLabel(rule.service)}: ${when} → ${outcomeText(rule.then, '/')}`;
  return name.length <= 200 ? name : `${name.slice(0, 199)}…`;
}
