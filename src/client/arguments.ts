// Checks on what the typed client is asked to send: a clear MapiArgumentError now instead of a refusal from the gateway later.
import { isSupportedCurrency, currencyDecimals } from '../core/currency.ts';
import { AMOUNT_PATTERN, amountProblem } from '../core/money.ts';
import { MapiArgumentError } from '../core/errors.ts';
import { checkParams } from './signing.ts';

const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

export function requireObject<T>(value: T, argument: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new MapiArgumentError(argument, 'must be an object');
  return value;
}

/** a merchant id (partner_trans_id, partner_refund_id, out_trade_no, ...): 1 to `max` characters */
export function requireId(value: unknown, argument: string, max = 64): string {
  if (typeof value !== 'string' || value === '') throw new MapiArgumentError(argument, `is required: a non-empty string of at most ${max} characters`);
  if ([...value].length > max) throw new MapiArgumentError(argument, `must be at most ${max} characters; got ${[...value].length}`);
  return value;
}

export function optionalId(value: unknown, argument: string, max = 64): string | undefined {
  return value === undefined ? undefined : requireId(value, argument, max);
}

export function requireCurrency(value: unknown, argument = 'currency'): string {
  if (typeof value !== 'string' || !isSupportedCurrency(value)) {
    throw new MapiArgumentError(argument, `must be a currency the gateway settles in (USD, EUR, HKD, JPY, ...), upper-case; got ${show(value)}`);
  }
  return value;
}

/** a decimal string such as "10.00": numbers are refused, since 0.1 + 0.2 is not an amount */
export function requireAmount(value: unknown, currency: string, argument = 'amount'): string {
  if (typeof value !== 'string' || !AMOUNT_PATTERN.test(value)) {
    throw new MapiArgumentError(argument, `must be a decimal string such as "10.00" (digits, at most 2 decimals); got ${show(value)}`);
  }
  const problem = amountProblem(value, currencyDecimals(currency));
  if (problem !== null) throw new MapiArgumentError(argument, `${problem} (${currency}); got ${show(value)}`);
  return value;
}

const BUYER_CODE = /^(2[5-9]|30)\d{14,22}$/;

export function requireBuyerCode(value: unknown, argument = 'buyerCode'): string {
  if (typeof value !== 'string' || !BUYER_CODE.test(value)) {
    throw new MapiArgumentError(argument, `must be the buyer's payment code: 16 to 24 digits starting 25 to 30, e.g. "281234567890123456"; got ${show(value)}`);
  }
  return value;
}

export function requireText(value: unknown, argument: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '' || [...value].length > max) {
    throw new MapiArgumentError(argument, `is required: text of 1 to ${max} characters; got ${show(value)}`);
  }
  return value;
}

export function optionalText(value: unknown, argument: string, max: number): string | undefined {
  return value === undefined ? undefined : requireText(value, argument, max);
}

/** extra parameters are sent as they are: only their shape is checked */
export function extraParams(value: unknown): Record<string, string> {
  return value === undefined ? {} : checkParams(value, 'extra');
}

/** drops undefined values, so that an optional argument left out is not sent at all */
export function defined(params: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
