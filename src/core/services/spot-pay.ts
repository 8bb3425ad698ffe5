import { deriveBuyer } from '../buyer.ts';
import { normalizeCharset } from '../charset.ts';
import { currencyDecimals, exchangeRate, isSupportedCurrency } from '../currency.ts';
import { convertAmount, parseAmount } from '../money.ts';
import { isValidYmdHms } from '../time.ts';
import { SERVICES, type Params, type Trade } from '../types.ts';
import { amountInCurrencyProblem, failure, firstMissing, param, tooLong, tradeFields } from './common.ts';
import type { ExecuteInput, ExecuteResult, ServiceDefinition } from './service.ts';

const REQUIRED = ['partner_trans_id', 'trans_amount', 'currency', 'buyer_identity_code', 'trans_name'] as const;

/** 16–24 digits starting 25–30 (older docs: 28) */
const BUYER_CODE = /^(2[5-9]|30)\d{14,22}$/;

function invalidPayParam(params: Params): string | null {
  const currency = param(params, 'currency');
  const amount = amountInCurrencyProblem('trans_amount', param(params, 'trans_amount'), currency);
  const code = param(params, 'buyer_identity_code');
  const type = param(params, 'identity_code_type');
  const created = param(params, 'trans_create_time');
  const seller = param(params, 'alipay_seller_id');
  const quantity = param(params, 'quantity');
  const product = param(params, 'biz_product');
  const checks: Array<[boolean, string]> = [
    [tooLong(param(params, 'partner_trans_id'), 64), 'partner_trans_id longer than 64'],
    [currency !== undefined && !isSupportedCurrency(currency), 'currency not supported'],
    [amount !== null, amount ?? ''],
    [code !== undefined && !BUYER_CODE.test(code), 'buyer_identity_code must be 16-24 digits starting 25-30'],
    [tooLong(param(params, 'trans_name'), 256), 'trans_name longer than 256'],
    [type !== undefined && !/^(barcode|qrcode)$/i.test(type), 'identity_code_type must be barcode or QRcode'],
    [created !== undefined && !isValidYmdHms(created), 'trans_create_time must be yyyyMMddHHmmss'],
    [seller !== undefined && !/^\d{16}$/.test(seller), 'alipay_seller_id must be 16 digits'],
    [quantity !== undefined && !/^0*[1-9]\d*$/.test(quantity), 'quantity must be a positive integer'],
    [product !== undefined && product !== 'OVERSEAS_MBARCODE_PAY', 'biz_product must be OVERSEAS_MBARCODE_PAY'],
  ];
  return checks.find(([bad]) => bad)?.[1] ?? null;
}

function pendingAnswer(trade: Trade): ExecuteResult {
  return {
    resultCode: 'UNKNOW',
    fields: { alipay_trans_id: trade.alipayTransId, partner_trans_id: trade.partnerTransId, result_code: 'UNKNOW' },
  };
}

function successAnswer(trade: Trade): ExecuteResult {
  return { resultCode: 'SUCCESS', fields: Object.assign(tradeFields(trade), { result_code: 'SUCCESS' }) };
}

/** the same partner_trans_id again: the existing trade's real status, never a second trade */
function answerExisting(trade: Trade, params: Params, amount: number, currency: string): ExecuteResult {
  if (param(params, 'buyer_identity_code') !== trade.buyerIdentityCode) return failure('FAILED', 'TRADE_BUYER_NOT_MATCH');
  if (trade.state === 'TRADE_CLOSED') return failure('FAILED', 'TRADE_HAS_CLOSE');
  if (amount !== trade.amount || currency !== trade.currency) return failure('FAILED', 'INVALID_PARAMETER');
  if (trade.state === 'WAIT_BUYER_PAY') return pendingAnswer(trade);
  return successAnswer(trade);
}

function executePay(input: ExecuteInput): ExecuteResult {
  const { params, now } = input;
  const currency = param(params, 'currency') ?? '';
  const amount = isSupportedCurrency(currency)
    ? parseAmount(param(params, 'trans_amount') ?? '', currencyDecimals(currency))
    : null;
  if (amount === null) return failure('FAILED', 'INVALID_PARAMETER');
  if (input.trade) return answerExisting(input.trade, params, amount, currency);

  const code = param(params, 'buyer_identity_code') ?? '';
  const buyer = deriveBuyer(code);
  const rate = exchangeRate(currency);
  const trade: Trade = {
    partner: input.partner,
    partnerTransId: param(params, 'partner_trans_id') ?? '',
    alipayTransId: input.freshAlipayTransId,
    state: input.pending ? 'WAIT_BUYER_PAY' : 'TRADE_SUCCESS',
    currency,
    amount,
    refunded: 0,
    exchangeRate: rate,
    amountCny: convertAmount(amount, currencyDecimals(currency), rate),
    transName: param(params, 'trans_name') ?? '',
    buyerIdentityCode: code,
    buyerLoginId: buyer.loginId,
    buyerUserId: buyer.userId,
    createdAt: now,
    paidAt: input.pending ? null : now,
    closedAt: null,
    closeReason: null,
    pending: input.pending ?? null,
    queryCount: 0,
    notifyUrl: param(params, 'notify_url') ?? null,
    notifyCharset: param(params, 'notify_url') === undefined ? null : (normalizeCharset(params._input_charset ?? '') ?? 'gbk'),
  };
  const answer = input.pending ? pendingAnswer(trade) : successAnswer(trade);
  return { resultCode: answer.resultCode, fields: answer.fields, trade };
}

export const spotPay: ServiceDefinition = {
  name: SERVICES.pay,
  failureCode: 'FAILED',
  missingParam: (params) => firstMissing(params, REQUIRED),
  invalidParam: invalidPayParam,
  ref: (params) => {
    const partnerTransId = param(params, 'partner_trans_id');
    return partnerTransId === undefined ? {} : { partnerTransId };
  },
  execute: executePay,
};
