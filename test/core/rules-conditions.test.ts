import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareDecimals, conditionHolds, equalityKey, normaliseDecimal, readParam } from '../../src/core/rules/conditions.ts';
import type { Condition, Operator } from '../../src/core/rules/types.ts';
import type { Params, Trade } from '../../src/core/types.ts';

const TRADE: Trade = {
  partner: '2088000000000001', partnerTransId: 'T1', alipayTransId: '2024010122001400011234567890',
  state: 'TRADE_SUCCESS', currency: 'USD', amount: 990_200, refunded: 150, exchangeRate: '7.10000000', amountCny: '70304.20',
  transName: 'Coffee', buyerIdentityCode: '281234567890123456', buyerLoginId: '159****1234',
  buyerUserId: '2088102000000001', createdAt: new Date(0), paidAt: new Date(0), closedAt: null, closeReason: null,
  pending: null, queryCount: 0, notifyUrl: null, notifyCharset: null,
};

function holds(op: Operator, value: Condition['value'], params: Params, param = 'p', trade: Trade | null = null): boolean {
  return conditionHolds(value === undefined ? { param, op } : { param, op, value }, { params, trade });
}

describe('decimals', () => {
  it('normalises spellings of the same number', () => {
    assert.equal(normaliseDecimal('9901'), '9901');
    assert.equal(normaliseDecimal('9901.00'), '9901');
    assert.equal(normaliseDecimal('009901.10'), '9901.1');
    assert.equal(normaliseDecimal('-0.00'), '0');
    assert.equal(normaliseDecimal('-012.50'), '-12.5');
    assert.equal(equalityKey('9901.0'), equalityKey('9901'));
    assert.notEqual(equalityKey('9901'), equalityKey('9901x'));
  });

  it('compares exactly, beyond float precision', () => {
    assert.equal(compareDecimals('0.1', '0.10'), 0);
    assert.equal(compareDecimals('12345678901234567890.01', '12345678901234567890.02'), -1);
    assert.equal(compareDecimals('-0.5', '0.3'), -1);
    assert.equal(compareDecimals('-1.5', '-1.25'), -1);
    assert.equal(compareDecimals('10', '9.999'), 1);
  });
});

describe('operators', () => {
  it('eq / ne compare as decimals when both sides are decimals, else as strings', () => {
    for (const actual of ['9901', '9901.0', '9901.00', '09901']) assert.equal(holds('eq', '9901', { p: actual }), true, actual);
    assert.equal(holds('eq', '9901.00', { p: '9901' }), true);
    assert.equal(holds('eq', '9901', { p: '9901.01' }), false);
    assert.equal(holds('eq', 'USD', { p: 'USD' }), true);
    assert.equal(holds('eq', 'USD', { p: 'usd' }), false);
    assert.equal(holds('eq', '1.0', { p: '1.0a' }), false);
    assert.equal(holds('ne', '9901', { p: '9901.00' }), false);
    assert.equal(holds('ne', '9901', { p: '9902' }), true);
  });

  it('eq fails on an absent or empty param; ne holds', () => {
    assert.equal(holds('eq', '1', {}), false);
    assert.equal(holds('eq', '1', { p: '' }), false);
    assert.equal(holds('ne', '1', {}), true);
    assert.equal(holds('ne', '1', { p: '' }), true);
  });

  it('in / not_in take a list, decimals normalised', () => {
    assert.equal(holds('in', ['USD', 'HKD'], { p: 'HKD' }), true);
    assert.equal(holds('in', ['1', '2.5'], { p: '2.50' }), true);
    assert.equal(holds('in', ['USD'], { p: 'EUR' }), false);
    assert.equal(holds('in', ['USD'], {}), false);
    assert.equal(holds('not_in', ['USD'], { p: 'EUR' }), true);
    assert.equal(holds('not_in', ['1'], { p: '1.00' }), false);
    assert.equal(holds('not_in', ['USD'], {}), true);
  });

  it('prefix / suffix / contains work on strings', () => {
    assert.equal(holds('prefix', 'T2024', { p: 'T20240101' }), true);
    assert.equal(holds('prefix', 'T2025', { p: 'T20240101' }), false);
    assert.equal(holds('suffix', '0101', { p: 'T20240101' }), true);
    assert.equal(holds('contains', '咖啡', { p: '一杯咖啡' }), true);
    assert.equal(holds('contains', 'x', {}), false);
    assert.equal(holds('suffix', 'x', {}), false);
  });

  it('regex finds anywhere, in linear time', () => {
    assert.equal(holds('regex', '^28\\d{16}$', { p: '281234567890123456' }), true);
    assert.equal(holds('regex', '56$', { p: '281234567890123456' }), true);
    assert.equal(holds('regex', '^29', { p: '281234567890123456' }), false);
    assert.equal(holds('regex', '.*', {}), false);
    // catastrophic for a backtracking engine: this returns at once with re2js
    assert.equal(holds('regex', '^(a+)+$', { p: `${'a'.repeat(10_000)}b` }), false);
  });

  it('gt / gte / lt / lte compare decimals, and fail on anything else', () => {
    assert.equal(holds('gt', '100', { p: '100.01' }), true);
    assert.equal(holds('gt', '100', { p: '100.00' }), false);
    assert.equal(holds('gte', '100', { p: '100.00' }), true);
    assert.equal(holds('lt', '0.1', { p: '0.09' }), true);
    assert.equal(holds('lte', '-1', { p: '-1.0' }), true);
    assert.equal(holds('lt', '10', { p: '9' }), true, 'not compared as strings');
    assert.equal(holds('gt', '1', { p: 'abc' }), false);
    assert.equal(holds('lt', '1', {}), false);
  });

  it('present / absent: a non-empty value', () => {
    assert.equal(holds('present', undefined, { p: 'x' }), true);
    assert.equal(holds('present', undefined, { p: '' }), false);
    assert.equal(holds('present', undefined, {}), false);
    assert.equal(holds('absent', undefined, {}), true);
    assert.equal(holds('absent', undefined, { p: '' }), true);
    assert.equal(holds('absent', undefined, { p: 'x' }), false);
  });

  it('reads only the request\'s own parameters', () => {
    assert.equal(holds('present', undefined, {}, 'constructor'), false);
    assert.equal(readParam('toString', { params: {}, trade: null }), null);
  });
});

describe('trade conditions', () => {
  it('reads the stored trade, amounts as decimal strings in its currency', () => {
    const read = (field: string, trade: Trade = TRADE) => readParam(`trade.${field}`, { params: {}, trade });
    assert.equal(read('trans_amount'), '9902.00');
    assert.equal(read('refunded'), '1.50');
    assert.equal(read('trans_amount', { ...TRADE, currency: 'JPY', amount: 9902 }), '9902');
    assert.equal(read('currency'), 'USD');
    assert.equal(read('state'), 'TRADE_SUCCESS');
    assert.equal(read('partner_trans_id'), 'T1');
    assert.equal(read('alipay_trans_id'), '2024010122001400011234567890');
    assert.equal(read('buyer_identity_code'), '281234567890123456');
    assert.equal(read('trans_name'), 'Coffee');
    assert.equal(read('buyer_user_id'), '2088102000000001');
  });

  it('match decimals and fail without a trade', () => {
    assert.equal(holds('eq', '9902', {}, 'trade.trans_amount', TRADE), true);
    assert.equal(holds('eq', '9902', { trans_amount: '9902' }, 'trade.trans_amount', null), false);
    assert.equal(holds('gte', '1.5', {}, 'trade.refunded', TRADE), true);
    assert.equal(holds('in', ['TRADE_SUCCESS', 'TRADE_FINISHED'], {}, 'trade.state', TRADE), true);
  });

  it('fail without a trade, whatever the operator', () => {
    for (const [op, value] of [['present'], ['absent'], ['ne', 'USD'], ['not_in', ['USD']]] as Array<[Operator, Condition['value']]>) {
      assert.equal(holds(op, value, {}, 'trade.currency', null), false, op);
    }
    assert.equal(holds('ne', 'EUR', {}, 'trade.currency', TRADE), true);
  });
});
