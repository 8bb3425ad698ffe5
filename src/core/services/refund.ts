import { currencyDecimals, exchangeRate, isSupportedCurrency } from '../currency.ts';
import { convertAmount, formatAmount, parseAmount } from '../money.ts';
import { SERVICES, type Fields, type Params, type Refund, type Trade } from '../types.ts';
import type { ExecuteInput, ExecuteResult, ServiceDefinition, TradeRef } from './service.ts';
import { amountInCurrencyProblem, failure, firstMissing, param, tooLong } from './common.ts';

const REQUIRED = ['partner_trans_id', 'partner_refund_id', 'refund_amount', 'currency'] as const;

/** the global doc spells refund_reason, the HK doc and C-YUR refund_reson: both are read */
function reason(params: Params): string | undefined {
  return param(params, 'refund_reason') ?? param(params, 'refund_reson');
}

function invalidRefundParam(params: Params): string | null {
  const currency = param(params, 'currency');
  const transId = param(params, 'partner_trans_id');
  const refundId = param(params, 'partner_refund_id');
  const isSync = param(params, 'is_sync');
  const amount = amountInCurrencyProblem('refund_amount', param(params, 'refund_amount'), currency);
  const checks: Array<[boolean, string]> = [
    [tooLong(transId, 64), 'partner_trans_id longer than 64'],
    [tooLong(refundId, 64), 'partner_refund_id longer than 64'],
    [refundId !== undefined && refundId === transId, 'partner_refund_id must differ from partner_trans_id'],
    [currency !== undefined && !isSupportedCurrency(currency), 'currency not supported'],
    [amount !== null, amount ?? ''],
    [tooLong(param(params, 'refund_reason'), 128), 'refund_reason longer than 128'],
    [tooLong(param(params, 'refund_reson'), 128), 'refund_reson longer than 128'],
    [isSync !== undefined && isSync !== 'Y' && isSync !== 'N', 'is_sync must be Y or N'],
  ];
  return checks.find(([bad]) => bad)?.[1] ?? null;
}

function successFields(refund: Refund, rate: string): Fields {
  const decimals = currencyDecimals(refund.currency);
  return {
    alipay_trans_id: refund.alipayTransId,
    currency: refund.currency,
    exchange_rate: rate,
    partner_refund_id: refund.partnerRefundId,
    partner_trans_id: refund.partnerTransId,
    refund_amount: formatAmount(refund.amount, decimals),
    refund_amount_cny: convertAmount(refund.amount, decimals, rate),
    result_code: 'SUCCESS',
  };
}

/** the same partner_refund_id again: the first answer if the data agree, nothing applied twice */
function answerExistingRefund(input: ExecuteInput, existing: Refund, amount: number, currency: string): ExecuteResult {
  const { params, trade } = input;
  const alipayTransId = param(params, 'alipay_trans_id');
  const same =
    existing.partnerTransId === param(params, 'partner_trans_id') &&
    (alipayTransId === undefined || alipayTransId === existing.alipayTransId) &&
    existing.amount === amount &&
    existing.currency === currency;
  if (!same) return failure('FAILED', 'INVALID_PARAMETER');
  const rate = trade && trade.alipayTransId === existing.alipayTransId ? trade.exchangeRate : exchangeRate(existing.currency);
  return { resultCode: 'SUCCESS', fields: successFields(existing, rate) };
}

function executeRefund(input: ExecuteInput): ExecuteResult {
  const { params, trade, now } = input;
  const currency = param(params, 'currency') ?? '';
  const amount = isSupportedCurrency(currency)
    ? parseAmount(param(params, 'refund_amount') ?? '', currencyDecimals(currency))
    : null;
  if (amount === null) return failure('FAILED', 'INVALID_PARAMETER');
  if (input.existingRefund) return answerExistingRefund(input, input.existingRefund, amount, currency);
  if (!trade) return failure('FAILED', 'TRADE_NOT_EXIST');
  // an alipay_trans_id that names another trade: the pair refers to no trade
  const alipayTransId = param(params, 'alipay_trans_id');
  if (alipayTransId !== undefined && alipayTransId !== trade.alipayTransId) return failure('FAILED', 'TRADE_NOT_EXIST');
  if (trade.state !== 'TRADE_SUCCESS') return failure('FAILED', 'TRADE_STATUS_ERROR');
  if (currency !== trade.currency) return failure('FAILED', 'INVALID_PARAMETER');
  if (amount > trade.amount - trade.refunded) return failure('FAILED', 'REFUND_AMT_RESTRICTION');

  const refund: Refund = {
    partner: input.partner,
    partnerRefundId: param(params, 'partner_refund_id') ?? '',
    partnerTransId: trade.partnerTransId,
    alipayTransId: trade.alipayTransId,
    currency,
    amount,
    reason: reason(params) ?? null,
    createdAt: now,
  };
  const refunded = trade.refunded + amount;
  const updated: Trade =
    refunded === trade.amount
      ? { ...trade, refunded, state: 'TRADE_CLOSED', closedAt: now, closeReason: 'refund' }
      : { ...trade, refunded };
  return { resultCode: 'SUCCESS', fields: successFields(refund, trade.exchangeRate), trade: updated, refund };
}

function refundRef(params: Params): TradeRef {
  const ref: TradeRef = {};
  const partnerTransId = param(params, 'partner_trans_id');
  const partnerRefundId = param(params, 'partner_refund_id');
  if (partnerTransId !== undefined) ref.partnerTransId = partnerTransId;
  if (partnerRefundId !== undefined) ref.partnerRefundId = partnerRefundId;
  return ref;
}

export const spotRefund: ServiceDefinition = {
  name: SERVICES.refund,
  failureCode: 'FAILED',
  missingParam: (params) => firstMissing(params, REQUIRED),
  invalidParam: invalidRefundParam,
  ref: refundRef,
  execute: executeRefund,
};
