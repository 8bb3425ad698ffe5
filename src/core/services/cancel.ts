import { isSameGmt8Day } from '../time.ts';
import { SERVICES, type Fields, type Params, type Refund, type Trade } from '../types.ts';
import type { ExecuteInput, ExecuteResult, ServiceDefinition, TradeRef } from './service.ts';
import { param } from './common.ts';

/** the partner_refund_id of the refund a cancel makes for a paid trade (one per trade at most) */
export function cancelRefundId(alipayTransId: string): string {
  return `CANCEL-${alipayTransId}`;
}

/** detail_error_des, in the gateway's Chinese (GBK-encodable) */
const DESCRIPTIONS = {
  notExist: '交易不存在',
  statusError: '交易状态不合法',
  notSameDay: '交易状态不合法，非当日交易不能撤销，请使用退款',
} as const;

/** trade_no wins over out_trade_no, so only the winner is named */
function cancelRef(params: Params): TradeRef {
  const alipayTransId = param(params, 'trade_no');
  if (alipayTransId !== undefined) return { alipayTransId };
  const partnerTransId = param(params, 'out_trade_no');
  return partnerTransId === undefined ? {} : { partnerTransId };
}

/** cancel failures carry detail_error_code / detail_error_des and never <error> */
function cancelFailure(input: ExecuteInput, code: string, description: string): ExecuteResult {
  const fields: Fields = {
    detail_error_code: code,
    detail_error_des: description,
    result_code: 'FAIL',
    retry_flag: 'N',
  };
  const outTradeNo = input.trade?.partnerTransId ?? param(input.params, 'out_trade_no');
  const tradeNo = input.trade?.alipayTransId ?? param(input.params, 'trade_no');
  if (outTradeNo !== undefined) fields.out_trade_no = outTradeNo;
  if (tradeNo !== undefined) fields.trade_no = tradeNo;
  return { resultCode: 'FAIL', fields };
}

function cancelSuccess(trade: Trade, action: 'close' | 'refund'): ExecuteResult {
  return {
    resultCode: 'SUCCESS',
    fields: {
      action,
      out_trade_no: trade.partnerTransId,
      result_code: 'SUCCESS',
      retry_flag: 'N',
      trade_no: trade.alipayTransId,
    },
  };
}

/** what a cancel of an already closed trade answers: the action that closed it (idempotent retries) */
function closedAction(trade: Trade): 'close' | 'refund' {
  if (trade.closeReason === 'cancel_refund' || trade.closeReason === 'refund') return 'refund';
  if (trade.closeReason === 'cancel' || trade.closeReason === 'timeout') return 'close';
  return trade.paidAt ? 'refund' : 'close';
}

function refundAndClose(input: ExecuteInput, trade: Trade): ExecuteResult {
  const { now } = input;
  const rest = trade.amount - trade.refunded;
  const refund: Refund | undefined =
    rest > 0
      ? {
          partner: trade.partner,
          partnerRefundId: cancelRefundId(trade.alipayTransId),
          partnerTransId: trade.partnerTransId,
          alipayTransId: trade.alipayTransId,
          currency: trade.currency,
          amount: rest,
          reason: 'cancel',
          createdAt: now,
        }
      : undefined;
  const updated: Trade = {
    ...trade,
    refunded: trade.amount,
    state: 'TRADE_CLOSED',
    closedAt: now,
    closeReason: 'cancel_refund',
  };
  return { ...cancelSuccess(updated, 'refund'), trade: updated, ...(refund ? { refund } : {}) };
}

function executeCancel(input: ExecuteInput): ExecuteResult {
  const { trade, now } = input;
  if (!trade) return cancelFailure(input, 'TRADE_NOT_EXIST', DESCRIPTIONS.notExist);
  switch (trade.state) {
    case 'WAIT_BUYER_PAY': {
      const updated: Trade = { ...trade, state: 'TRADE_CLOSED', closedAt: now, closeReason: 'cancel' };
      return { ...cancelSuccess(updated, 'close'), trade: updated };
    }
    case 'TRADE_SUCCESS':
      // a paid trade can be cancelled only on the day it was paid (GMT+8); afterwards it takes a refund
      if (!isSameGmt8Day(trade.paidAt ?? trade.createdAt, now)) {
        return cancelFailure(input, 'TRADE_STATUS_ERROR', DESCRIPTIONS.notSameDay);
      }
      return refundAndClose(input, trade);
    case 'TRADE_CLOSED':
      return cancelSuccess(trade, closedAction(trade));
    case 'TRADE_FINISHED':
      return cancelFailure(input, 'TRADE_STATUS_ERROR', DESCRIPTIONS.statusError);
  }
}

export const cancel: ServiceDefinition = {
  name: SERVICES.cancel,
  failureCode: 'FAIL',
  missingParam: (params) =>
    param(params, 'out_trade_no') === undefined && param(params, 'trade_no') === undefined
      ? 'out_trade_no or trade_no'
      : null,
  // timestamp is optional and comes as epoch millis or "yyyy-MM-dd HH:mm:ss" (C-MEL): not checked
  invalidParam: () => null,
  ref: cancelRef,
  execute: executeCancel,
};
