// Reading a condition's parameter and deciding whether it holds. Decimals are compared as exact digit strings.
import { RE2JS } from 're2js';
import { currencyDecimals } from '../currency.ts';
import { formatAmount } from '../money.ts';
import type { Params, Trade } from '../types.ts';
import type { Condition } from './types.ts';
import { isTradeField, TRADE_FIELDS, type TradeField } from './vocabulary.ts';

/** a request parameter, or `trade.<field>` of the stored trade */
export const PARAM_PATTERN = /^(trade\.)?[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

/** what a parameter is read from */
export interface ConditionInput {
  params: Params;
  trade: Trade | null;
}

/** why `name` cannot be a condition's or a template's parameter, or null when it can */
export function paramProblem(name: string): string | null {
  if (!PARAM_PATTERN.test(name)) {
    return 'must be a parameter name (letters, digits and "_", at most 64 characters), or trade.<field>';
  }
  if (name.startsWith('trade.') && !isTradeField(name.slice(6))) {
    return `unknown trade field ${name.slice(6)}; known: ${TRADE_FIELDS.join(', ')}`;
  }
  return null;
}

export function isDecimal(value: string): boolean {
  return DECIMAL_PATTERN.test(value);
}

/** the canonical spelling of a decimal: "0009901.00" → "9901", "-0.50" → "-0.5", "-0" → "0" */
export function normaliseDecimal(value: string): string {
  const negative = value.startsWith('-');
  const [intPart = '', fraction = ''] = (negative ? value.slice(1) : value).split('.');
  const whole = intPart.replace(/^0+(?=\d)/, '');
  const frac = fraction.replace(/0+$/, '');
  const body = frac === '' ? whole : `${whole}.${frac}`;
  return negative && body !== '0' ? `-${body}` : body;
}

/** exact comparison of two decimal strings: negative, zero or positive */
export function compareDecimals(a: string, b: string): number {
  const [ai = '', af = ''] = a.split('.');
  const [bi = '', bf = ''] = b.split('.');
  const scale = Math.max(af.length, bf.length);
  const left = BigInt(ai + af.padEnd(scale, '0'));
  const right = BigInt(bi + bf.padEnd(scale, '0'));
  // "-0.5" splits to "-0" and "5": BigInt("-05") keeps the sign, so the scaled integers compare correctly
  return left === right ? 0 : left < right ? -1 : 1;
}

/**
 * The key under which eq / in compare: two values are equal exactly when their keys are. Decimals compare as numbers
 * only against decimals, and a decimal string never equals a non-decimal one, so one key per value suffices.
 */
export function equalityKey(value: string): string {
  return isDecimal(value) ? `d:${normaliseDecimal(value)}` : `s:${value}`;
}

/** a stored trade's field as a condition reads it: amounts as decimal strings in the trade's currency */
export function tradeValue(trade: Trade, field: TradeField): string {
  switch (field) {
    case 'trans_amount':
      return formatAmount(trade.amount, currencyDecimals(trade.currency));
    case 'refunded':
      return formatAmount(trade.refunded, currencyDecimals(trade.currency));
    case 'currency':
      return trade.currency;
    case 'state':
      return trade.state;
    case 'partner_trans_id':
      return trade.partnerTransId;
    case 'alipay_trans_id':
      return trade.alipayTransId;
    case 'buyer_identity_code':
      return trade.buyerIdentityCode;
    case 'trans_name':
      return trade.transName;
    case 'buyer_user_id':
      return trade.buyerUserId;
  }
}

/** the value a condition sees, or null when absent (a `trade.` field without a trade is absent) */
export function readParam(name: string, input: ConditionInput): string | null {
  if (name.startsWith('trade.')) {
    const field = name.slice(6);
    return input.trade && isTradeField(field) ? tradeValue(input.trade, field) : null;
  }
  // own properties only: "constructor" is a parameter name a user may type
  return Object.hasOwn(input.params, name) ? (input.params[name] ?? null) : null;
}

/** a condition's test on the value it reads; null and "" are both absent (clients send empty optional values) */
export type Predicate = (actual: string | null) => boolean;

function keysOf(value: Condition['value']): Set<string> {
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return new Set(values.map(equalityKey));
}

function decimalTest(value: string, test: (order: number) => boolean): Predicate {
  if (!isDecimal(value)) return () => false;
  return (actual) => actual !== null && isDecimal(actual) && test(compareDecimals(actual, value));
}

/**
 * Compiled on the first value it is tried on, not when the rules are loaded: a compiled pattern holds ~12 KB, and
 * behind the prefix index most of 10,000 rules' regexes are never tried (2,500 of them took 32 MB and 0.14 s).
 */
function regexTest(pattern: string): Predicate {
  let compiled: RE2JS | null | undefined;
  return (actual) => {
    if (actual === null) return false;
    if (compiled === undefined) {
      try {
        compiled = RE2JS.compile(pattern);
      } catch {
        // the schema refuses such patterns; a rule that slipped past it simply never matches
        compiled = null;
      }
    }
    return compiled !== null && compiled.test(actual);
  };
}

/** a condition made ready to run: regexes compiled and comparison keys computed once */
export function compilePredicate(condition: Condition): Predicate {
  const { op, value } = condition;
  const text = typeof value === 'string' ? value : '';
  const test = ((): Predicate => {
    switch (op) {
      case 'eq': {
        const key = equalityKey(text);
        return (actual) => actual !== null && equalityKey(actual) === key;
      }
      case 'ne': {
        const key = equalityKey(text);
        return (actual) => actual === null || equalityKey(actual) !== key;
      }
      case 'in': {
        const keys = keysOf(value);
        return (actual) => actual !== null && keys.has(equalityKey(actual));
      }
      case 'not_in': {
        const keys = keysOf(value);
        return (actual) => actual === null || !keys.has(equalityKey(actual));
      }
      case 'prefix':
        return (actual) => actual !== null && actual.startsWith(text);
      case 'suffix':
        return (actual) => actual !== null && actual.endsWith(text);
      case 'contains':
        return (actual) => actual !== null && actual.includes(text);
      case 'regex':
        return regexTest(text);
      case 'gt':
        return decimalTest(text, (order) => order > 0);
      case 'gte':
        return decimalTest(text, (order) => order >= 0);
      case 'lt':
        return decimalTest(text, (order) => order < 0);
      case 'lte':
        return decimalTest(text, (order) => order <= 0);
      case 'present':
        return (actual) => actual !== null;
      case 'absent':
        return (actual) => actual === null;
    }
  })();
  return (actual) => test(actual === '' ? null : actual);
}

/** a condition ready to run against a request */
export type ConditionTest = (input: ConditionInput) => boolean;

/** the whole test of a condition: a `trade.` condition fails when there is no trade, whatever its operator */
export function compileCondition(condition: Condition): ConditionTest {
  const predicate = compilePredicate(condition);
  const { param } = condition;
  if (param.startsWith('trade.')) return (input) => input.trade !== null && predicate(readParam(param, input));
  return (input) => predicate(readParam(param, input));
}

const compiled = new WeakMap<Condition, ConditionTest>();

/** whether one condition holds for a request; compiled once per condition object */
export function conditionHolds(condition: Condition, input: ConditionInput): boolean {
  let test = compiled.get(condition);
  if (!test) {
    test = compileCondition(condition);
    compiled.set(condition, test);
  }
  return test(input);
}
