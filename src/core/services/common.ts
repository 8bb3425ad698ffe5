// What the four services share: reading parameters, the failure answers, a trade's answer fields.
import { currencyDecimals } from '../currency.ts';
import { amountProblem, formatAmount } from '../money.ts';
import { formatGmt8 } from '../time.ts';
import type { Fields, Params, Trade } from '../types.ts';
import type { ExecuteResult, ServiceDefinition } from './service.ts';

/** a parameter's value, with empty treated as absent (clients drop or send empty optional values) */
export function param(params: Params, name: string): string | undefined {
  const value = params[name];
  return value === undefined || value === '' ? undefined : value;
}

/** the first of `names` that is absent or empty, or null */
export function firstMissing(params: Params, names: readonly string[]): string | null {
  return names.find((name) => param(params, name) === undefined) ?? null;
}

/** length in characters, not UTF-16 units, so a Chinese trans_name counts as written */
export function tooLong(value: string | undefined, max: number): boolean {
  return value !== undefined && [...value].length > max;
}

/** why an amount in `currency` is not acceptable, or null; an unsupported currency is reported elsewhere */
export function amountInCurrencyProblem(name: string, value: string | undefined, currency: string | undefined): string | null {
  if (value === undefined) return null;
  const problem = amountProblem(value, currencyDecimals(currency ?? ''));
  return problem === null ? null : `${name} ${problem}`;
}

export function failure(resultCode: string, error: string): ExecuteResult {
  return { resultCode, fields: { error, result_code: resultCode } };
}

/** the answer fields of a paid trade, shared by pay and query; no pay time while it is unpaid */
export function tradeFields(trade: Trade): Fields {
  const decimals = currencyDecimals(trade.currency);
  const fields: Fields = {
    alipay_buyer_login_id: trade.buyerLoginId,
    alipay_buyer_user_id: trade.buyerUserId,
    alipay_trans_id: trade.alipayTransId,
    currency: trade.currency,
    exchange_rate: trade.exchangeRate,
    partner_trans_id: trade.partnerTransId,
    trans_amount: formatAmount(trade.amount, decimals),
    trans_amount_cny: trade.amountCny,
  };
  if (trade.paidAt) fields.alipay_pay_time = formatGmt8(trade.paidAt);
  return fields;
}

/** The fields of a business failure in the service's own vocabulary (cancel: detail_error_code, retry_flag). */
export function failureFields(service: ServiceDefinition, params: Readonly<Record<string, string>>, error: string, description?: string): Fields {
  if (service.name === 'alipay.acquire.cancel') {
    const fields: Fields = { result_code: service.failureCode, detail_error_code: error, retry_flag: 'N' };
    if (description) fields.detail_error_des = description;
    if (params.out_trade_no) fields.out_trade_no = params.out_trade_no;
    if (params.trade_no) fields.trade_no = params.trade_no;
    return fields;
  }
  return { result_code: service.failureCode, error };
}
