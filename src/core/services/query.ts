import { SERVICES, type Params } from '../types.ts';
import { settleTrade } from './lifecycle.ts';
import type { ExecuteInput, ExecuteResult, ServiceDefinition, TradeRef } from './service.ts';
import { failure, param, tradeFields } from './common.ts';

/** alipay_trans_id wins when both ids are given (D-QUERY), so only the winner is named */
function queryRef(params: Params): TradeRef {
  const alipayTransId = param(params, 'alipay_trans_id');
  if (alipayTransId !== undefined) return { alipayTransId };
  const partnerTransId = param(params, 'partner_trans_id');
  return partnerTransId === undefined ? {} : { partnerTransId };
}

function executeQuery(input: ExecuteInput): ExecuteResult {
  if (!input.trade) return failure('FAIL', 'TRADE_NOT_EXIST');
  let trade = input.trade;
  const pending = trade.pending;
  // Only a waiting trade that settles "after N queries" counts them, so that an ordinary query writes nothing.
  const counts = trade.state === 'WAIT_BUYER_PAY' && pending?.settleTo && pending.settleAfterQueries !== null;
  if (counts) {
    trade = { ...trade, queryCount: trade.queryCount + 1 };
    // the Nth query already sees the outcome
    if (trade.queryCount >= pending.settleAfterQueries!) trade = settleTrade(trade, pending.settleTo!, input.now);
  }
  return {
    resultCode: 'SUCCESS',
    fields: Object.assign(tradeFields(trade), { alipay_trans_status: trade.state, out_trade_no: trade.partnerTransId, result_code: 'SUCCESS' }),
    ...(counts ? { trade } : {}),
  };
}

export const query: ServiceDefinition = {
  name: SERVICES.query,
  failureCode: 'FAIL',
  missingParam: (params) =>
    param(params, 'partner_trans_id') === undefined && param(params, 'alipay_trans_id') === undefined
      ? 'partner_trans_id or alipay_trans_id'
      : null,
  // any id is acceptable: one that matches no trade is TRADE_NOT_EXIST, not a malformed request
  invalidParam: () => null,
  ref: queryRef,
  execute: executeQuery,
};
