import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ARMED, armedPay, cancel, grade, pay, query, summary } from '../helpers/case-traffic.ts';

describe('pay-success', () => {
  test('passes on a pay answered SUCCESS; a refused pay leaves it waiting', () => {
    const refused = pay(1, 'T1', { isSuccess: false, resultCode: null, error: 'ILLEGAL_SIGN' });
    assert.equal(grade('pay-success', [refused], 5).state, 'waiting');
    const good = pay(2, 'T2');
    const verdict = grade('pay-success', [refused, good], 5);
    assert.deepEqual(summary(verdict), { state: 'passed', evidence: [good.id] });
    assert.match(verdict.reason!, /T2 was answered SUCCESS/);
  });

  test('a pay before the start does not count', () => {
    assert.equal(grade('pay-success', [pay(-5, 'T0')], 5).state, 'waiting');
  });
});

describe('pay-failed', () => {
  test('passes when 60 s pass with no query or cancel of the id; a new sale and the same id paid again are fine', () => {
    const failedPay = armedPay(1, 'T1', 'FAILED');
    const traffic = [failedPay, pay(10, 'T1'), pay(20, 'T2'), query(30, 'T2', 'TRADE_SUCCESS')];
    assert.equal(grade('pay-failed', traffic, 60).state, 'waiting');
    const verdict = grade('pay-failed', traffic, 61);
    assert.deepEqual(summary(verdict), { state: 'passed', evidence: [failedPay.id] });
    assert.equal(grade('pay-failed', [...traffic, query(70, 'T1')], 80).state, 'passed', 'a query after the window changes nothing');
  });

  test('fails on a query of that id, as soon as it is in the log', () => {
    const failedPay = armedPay(1, 'T1', 'FAILED');
    const q = query(5, 'T1', 'TRADE_NOT_EXIST');
    const verdict = grade('pay-failed', [failedPay, q], 6);
    assert.deepEqual(summary(verdict), { state: 'failed', evidence: [failedPay.id, q.id] });
    assert.match(verdict.reason!, /queried/);
  });

  test('fails on a cancel of that id (by out_trade_no)', () => {
    const verdict = grade('pay-failed', [armedPay(1, 'T1', 'FAILED'), cancel(3, 'T1')], 4);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /cancelled/);
  });

  test('waits while the armed answer has not been given; pays answered by other rules are not it', () => {
    assert.equal(grade('pay-failed', [pay(1, 'T1', { ruleId: 'pay-9902-balance-not-enough', resultCode: 'FAILED' })], 100).state, 'waiting');
  });
});

describe('pay-unknown-query', () => {
  const unknown = () => armedPay(1, 'T1', 'UNKNOW');

  test('passes when the trade is queried until TRADE_SUCCESS, then at most one more query in 60 s', () => {
    const u = unknown();
    const q1 = query(5, 'T1');
    const q2 = query(10, 'T1', 'TRADE_SUCCESS');
    const extra = query(20, 'T1', 'TRADE_SUCCESS');
    const traffic = [u, q1, q2, extra];
    assert.equal(grade('pay-unknown-query', traffic, 69).state, 'waiting', 'the 60 s after TRADE_SUCCESS are not over');
    const verdict = grade('pay-unknown-query', traffic, 70);
    assert.deepEqual(summary(verdict), { state: 'passed', evidence: [u.id, q1.id, q2.id, extra.id] });
  });

  test('a query by alipay_trans_id counts as a query of the trade', () => {
    const u = armedPay(1, 'T1', 'UNKNOW');
    const byAlipayId = query(5, 'T1', 'TRADE_SUCCESS');
    const q = { ...byAlipayId, params: { alipay_trans_id: '2026120111001004000000000001' }, answer: { ...byAlipayId.answer, alipay_trans_id: '2026120111001004000000000001' } };
    assert.equal(grade('pay-unknown-query', [u, q], 100).state, 'passed');
  });

  test('fails when no query comes within 60 s of the UNKNOW (UNKNOW taken as failed)', () => {
    const u = unknown();
    const traffic = [u, pay(10, 'T9')];
    assert.equal(grade('pay-unknown-query', traffic, 59).state, 'waiting');
    const verdict = grade('pay-unknown-query', traffic, 61);
    assert.deepEqual(summary(verdict), { state: 'failed', evidence: [u.id] });
    assert.match(verdict.reason!, /No query of T1 within 60 s/);
    assert.equal(grade('pay-unknown-query', [u, query(65, 'T1', 'TRADE_SUCCESS')], 200).state, 'failed', 'a late query does not save it');
  });

  test('fails on a cancel before any query', () => {
    const verdict = grade('pay-unknown-query', [unknown(), cancel(3, 'T1')], 4);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /cancelled before it was queried/);
  });

  test('fails when polling goes on after TRADE_SUCCESS (two more queries within 60 s)', () => {
    const traffic = [unknown(), query(2, 'T1'), query(3, 'T1', 'TRADE_SUCCESS'), query(4, 'T1', 'TRADE_SUCCESS'), query(5, 'T1', 'TRADE_SUCCESS')];
    const verdict = grade('pay-unknown-query', traffic, 6);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /kept being queried/);
    assert.equal(verdict.evidence.length, 4);
  });

  test('queries of other trades count for nothing', () => {
    assert.equal(grade('pay-unknown-query', [unknown(), query(5, 'T2', 'TRADE_SUCCESS')], 61).state, 'failed');
  });
});

describe('pay-timeout-cancel', () => {
  test('passes on a query, then a cancel answered SUCCESS while the trade still waited', () => {
    const u = armedPay(1, 'T1', 'UNKNOW');
    const q = query(30, 'T1');
    const c = cancel(120, 'T1', { answer: { action: 'close' } });
    assert.equal(grade('pay-timeout-cancel', [u, q], 100).state, 'waiting');
    assert.deepEqual(summary(grade('pay-timeout-cancel', [u, q, c], 121)), { state: 'passed', evidence: [u.id, q.id, c.id] });
  });

  test('a failed cancel does not pass; a successful retry in time does', () => {
    const traffic = [armedPay(1, 'T1', 'UNKNOW'), query(5, 'T1'), cancel(50, 'T1', { resultCode: 'FAIL' })];
    assert.equal(grade('pay-timeout-cancel', traffic, 60).state, 'waiting');
    assert.equal(grade('pay-timeout-cancel', [...traffic, cancel(55, 'T1')], 60).state, 'passed');
  });

  test('fails on a cancel before any query', () => {
    const verdict = grade('pay-timeout-cancel', [armedPay(1, 'T1', 'UNKNOW'), cancel(2, 'T1')], 3);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /cancelled before any query/);
  });

  test('fails 3 minutes after the UNKNOW without a cancel (polling forever does not help)', () => {
    const traffic = [armedPay(1, 'T1', 'UNKNOW'), query(10, 'T1'), query(100, 'T1')];
    assert.equal(grade('pay-timeout-cancel', traffic, 180).state, 'waiting');
    const verdict = grade('pay-timeout-cancel', traffic, 181);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /not cancelled within 180 s/);
    assert.equal(grade('pay-timeout-cancel', [...traffic, cancel(200, 'T1')], 201).state, 'failed', 'a cancel after the trade closed is too late');
  });
});

test('a case without its armed rule id never sees its answer', () => {
  assert.equal(grade('pay-failed', [armedPay(1, 'T1', 'FAILED')], 100, { armedRuleId: null }).state, 'waiting');
  assert.equal(grade('pay-failed', [armedPay(1, 'T1', 'FAILED')], 100, { armedRuleId: `${ARMED}-other` }).state, 'waiting');
});
