import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { advanceTrade } from '../../src/core/services/index.ts';
import type { PendingInfo, Trade } from '../../src/core/types.ts';

const CREATED = new Date('2024-01-01T04:00:00Z');
const at = (seconds: number) => new Date(CREATED.getTime() + seconds * 1000);

function waiting(pending: PendingInfo | null = null): Trade {
  return {
    partner: '2088000000000001', partnerTransId: 'T1', alipayTransId: '2024010122001400011234567890',
    state: 'WAIT_BUYER_PAY', currency: 'USD', amount: 1000, refunded: 0, exchangeRate: '7.10000000', amountCny: '71.00',
    transName: 'Coffee', buyerIdentityCode: '281234567890123456', buyerLoginId: '159****1234',
    buyerUserId: '2088102000000001', createdAt: CREATED, paidAt: null, closedAt: null, closeReason: null,
    pending, queryCount: 0, notifyUrl: null, notifyCharset: null,
  };
}

describe('advanceTrade', () => {
  it('closes an unpaid trade three minutes after it was created, stamped at that moment', () => {
    assert.equal(advanceTrade(waiting(), at(179)), null);
    const closed = advanceTrade(waiting(), at(600));
    assert.deepEqual(closed, { ...waiting(), state: 'TRADE_CLOSED', closedAt: at(180), closeReason: 'timeout' });
    assert.equal(advanceTrade(waiting(), at(180))?.state, 'TRADE_CLOSED');
  });

  it('settles a pending trade after settleAfterSeconds', () => {
    const pending: PendingInfo = { settleTo: 'TRADE_SUCCESS', settleAfterSeconds: 10, settleAfterQueries: null };
    assert.equal(advanceTrade(waiting(pending), at(9)), null);
    assert.deepEqual(advanceTrade(waiting(pending), at(10)), { ...waiting(pending), state: 'TRADE_SUCCESS', paidAt: at(10) });
    // looked at much later: it settled at 10 s, before the timeout could close it
    assert.deepEqual(advanceTrade(waiting(pending), at(3600))?.paidAt, at(10));
  });

  it('settles to TRADE_CLOSED when the rule says so', () => {
    const pending: PendingInfo = { settleTo: 'TRADE_CLOSED', settleAfterSeconds: 30, settleAfterQueries: null };
    assert.deepEqual(advanceTrade(waiting(pending), at(31)), {
      ...waiting(pending), state: 'TRADE_CLOSED', closedAt: at(30), closeReason: 'timeout',
    });
  });

  it('lets the timeout win over a settlement due later', () => {
    const pending: PendingInfo = { settleTo: 'TRADE_SUCCESS', settleAfterSeconds: 600, settleAfterQueries: null };
    const result = advanceTrade(waiting(pending), at(700));
    assert.equal(result?.state, 'TRADE_CLOSED');
    assert.deepEqual(result?.closedAt, at(180));
  });

  it('leaves waiting trades settled by queries, or by nothing, to the timeout', () => {
    const byQueries: PendingInfo = { settleTo: 'TRADE_SUCCESS', settleAfterSeconds: null, settleAfterQueries: 2 };
    assert.equal(advanceTrade(waiting(byQueries), at(60)), null);
    assert.equal(advanceTrade(waiting(byQueries), at(181))?.state, 'TRADE_CLOSED');
    const never: PendingInfo = { settleTo: null, settleAfterSeconds: null, settleAfterQueries: null };
    assert.equal(advanceTrade(waiting(never), at(170)), null);
    assert.equal(advanceTrade(waiting(never), at(181))?.closeReason, 'timeout');
  });

  it('never touches a trade that is not waiting', () => {
    for (const state of ['TRADE_SUCCESS', 'TRADE_CLOSED', 'TRADE_FINISHED'] as const) {
      assert.equal(advanceTrade({ ...waiting(), state, paidAt: CREATED }, at(100_000)), null, state);
    }
  });
});
