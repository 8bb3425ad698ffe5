import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import iconv from 'iconv-lite';
import { buildNotification, formatNotifyTime, notifyEvents } from '../../src/core/notify.ts';
import { cancelRefundId } from '../../src/core/services/cancel.ts';
import { makeRefund, makeTrade } from '../helpers/db.ts';

const KEY = '0123456789abcdefghijklmnopqrstuv';
const NOW = new Date('2026-11-25T10:05:00Z');

/** the MD5 rule written out again, as a merchant verifying a notification would */
function merchantSign(params: Record<string, string>, charset: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(iconv.encode(text + KEY, charset)).digest('hex');
}

describe('buildNotification', () => {
  it('writes times as yyyy-MM-dd HH:mm:ss in GMT+8', () => {
    assert.equal(formatNotifyTime(new Date('2026-11-25T16:30:05Z')), '2026-11-26 00:30:05');
  });

  it('tells of a payment, signed over UTF-8', () => {
    const trade = makeTrade({ notifyUrl: 'http://m.example/n', notifyCharset: 'utf-8' });
    const params = buildNotification(trade, 'paid', { now: NOW, notifyId: 'n1', key: KEY });
    assert.equal(params.notify_time, '2026-11-25 18:05:00');
    assert.equal(params.notify_type, 'trade_status_sync');
    assert.equal(params.notify_id, 'n1');
    assert.equal(params.notify_action_type, 'payByAccountAction');
    assert.equal(params.out_trade_no, 'T-1');
    assert.equal(params.trade_no, trade.alipayTransId);
    assert.equal(params.trade_status, 'TRADE_SUCCESS');
    assert.equal(params.currency, 'USD');
    assert.equal(params.total_fee, '12.34');
    assert.equal(params.gmt_payment, '2026-11-25 18:00:01');
    assert.equal(params.subject, 'Coffee 咖啡 <&>');
    assert.equal(params.sign_type, 'MD5');
    assert.equal(params.sign, merchantSign(params, 'utf-8'));
    assert.equal(params.gmt_close, undefined);
  });

  it('signs a GBK trade over its GBK bytes', () => {
    const trade = makeTrade({ transName: '咖啡一杯', notifyUrl: 'http://m.example/n', notifyCharset: 'gbk' });
    const params = buildNotification(trade, 'paid', { now: NOW, notifyId: 'n2', key: KEY });
    assert.equal(params.sign, merchantSign(params, 'gbk'));
    assert.notEqual(params.sign, merchantSign(params, 'utf-8'));
  });

  it('tells of a refund with its fields', () => {
    const trade = makeTrade({ refunded: 100, notifyCharset: 'utf-8' });
    const refund = makeRefund();
    const params = buildNotification(trade, 'refunded', { now: NOW, notifyId: 'n3', key: KEY, refund });
    assert.equal(params.notify_action_type, 'refundFPAction');
    assert.equal(params.out_request_no, 'R-1');
    assert.equal(params.partner_refund_id, 'R-1');
    assert.equal(params.refund_amount, '1.00');
    assert.equal(params.refund_fee, '1.00');
    assert.equal(params.refund_status, 'REFUND_SUCCESS');
    assert.equal(params.gmt_refund, '2026-11-25 19:00:00');
    assert.equal(params.sign, merchantSign(params, 'utf-8'));
  });

  it('calls a cancel of a paid trade a reversal, any other close a close', () => {
    const closedAt = new Date('2026-11-25T10:02:00Z');
    const reversed = makeTrade({ state: 'TRADE_CLOSED', closedAt, closeReason: 'cancel_refund', refunded: 1234 });
    const timedOut = makeTrade({ state: 'TRADE_CLOSED', closedAt, closeReason: 'timeout', paidAt: null });
    const options = { now: NOW, notifyId: 'n4', key: KEY };
    assert.equal(buildNotification(reversed, 'closed', options).notify_action_type, 'reverseAction');
    const closed = buildNotification(timedOut, 'closed', options);
    assert.equal(closed.notify_action_type, 'closeTradeAction');
    assert.equal(closed.trade_status, 'TRADE_CLOSED');
    assert.equal(closed.gmt_close, '2026-11-25 18:02:00');
    assert.equal(closed.gmt_payment, undefined);
    assert.equal(closed.sign, merchantSign(closed, 'gbk'));
  });
});

describe('notifyEvents', () => {
  const waiting = makeTrade({ state: 'WAIT_BUYER_PAY', paidAt: null });
  const paid = makeTrade();
  it('a new paid trade, or a waiting one settling, is paid; a new waiting trade nothing', () => {
    assert.deepEqual(notifyEvents(null, paid, null), ['paid']);
    assert.deepEqual(notifyEvents(waiting, paid, null), ['paid']);
    assert.deepEqual(notifyEvents(null, waiting, null), []);
    assert.deepEqual(notifyEvents(paid, { ...paid, queryCount: 1 }, null), []);
  });
  it('a refund is refunded, but the refund a cancel makes is the close', () => {
    assert.deepEqual(notifyEvents(paid, { ...paid, refunded: 100 }, makeRefund()), ['refunded']);
    const cancelled = { ...paid, state: 'TRADE_CLOSED' as const, closeReason: 'cancel_refund' };
    assert.deepEqual(notifyEvents(paid, cancelled, makeRefund({ partnerRefundId: cancelRefundId(paid.alipayTransId) })), ['closed']);
  });
});
