import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ARMED, armedPay, cancel, grade, pay, query, refund, summary } from '../helpers/case-traffic.ts';

for (const [caseId, answer] of [['pay-reset-recover', 'a dropped connection'], ['pay-bad-sign', 'a bad signature']] as const) {
  describe(caseId, () => {
    test(`after ${answer}: a query, a cancel, or the same pay again within 60 s passes`, () => {
      for (const next of [query(30, 'T1', 'TRADE_SUCCESS'), cancel(30, 'T1'), pay(30, 'T1')]) {
        const lost = armedPay(1, 'T1', 'SUCCESS');
        assert.deepEqual(summary(grade(caseId, [lost, next], 31)), { state: 'passed', evidence: [lost.id, next.id] }, next.service!);
      }
    });

    test('fails when 60 s pass without one; a retry under a new partner_trans_id does not count', () => {
      const lost = armedPay(1, 'T1', 'SUCCESS');
      const traffic = [lost, pay(5, 'T1-retry'), query(8, 'T1-retry', 'TRADE_SUCCESS')];
      assert.equal(grade(caseId, traffic, 60).state, 'waiting');
      const verdict = grade(caseId, traffic, 61);
      assert.deepEqual(summary(verdict), { state: 'failed', evidence: [lost.id] });
      assert.match(verdict.reason!, /nothing asked about T1 within 60 s/);
      assert.equal(grade(caseId, [...traffic, query(90, 'T1')], 91).state, 'failed', 'too late');
    });
  });
}

describe('refund-partial-full', () => {
  test('passes on a partial refund, then refunds that complete the trade (a retried id counts once)', () => {
    const p = pay(1, 'T1', {}, { trans_amount: '10.00' });
    const r1 = refund(2, 'T1', 'R1', '4.00');
    const again = refund(3, 'T1', 'R1', '4.00');
    const r2 = refund(4, 'T1', 'R2', '5.00');
    assert.equal(grade('refund-partial-full', [p, r1, again, r2], 5).state, 'waiting', '9.00 of 10.00');
    const r3 = refund(6, 'T1', 'R3', '1.00');
    assert.deepEqual(summary(grade('refund-partial-full', [p, r1, again, r2, r3], 7)), { state: 'passed', evidence: [p.id, r1.id, r2.id, r3.id] });
  });

  test('a full refund at once, a failed refund, or a pay from before the start is not it', () => {
    const full = [pay(1, 'T1'), refund(2, 'T1', 'R1', '10.00')];
    assert.equal(grade('refund-partial-full', full, 5).state, 'waiting');
    const failedSecond = [pay(1, 'T2'), refund(2, 'T2', 'R1', '4.00'), refund(3, 'T2', 'R2', '6.00', { resultCode: 'FAILED', error: 'SYSTEM_ERROR' })];
    assert.equal(grade('refund-partial-full', failedSecond, 5).state, 'waiting');
    const before = [pay(-10, 'T3'), refund(2, 'T3', 'R1', '4.00'), refund(3, 'T3', 'R2', '6.00')];
    assert.equal(grade('refund-partial-full', before, 5).state, 'waiting');
  });
});

describe('refund-unknown-retry', () => {
  const unknown = () => refund(1, 'T1', 'R1', '2.00', { ruleId: ARMED, resultCode: 'UNKNOW', error: 'SYSTEM_ERROR' });

  test('passes when the same partner_refund_id is retried and answered SUCCESS', () => {
    const u = unknown();
    const retry = refund(20, 'T1', 'R1', '2.00');
    assert.deepEqual(summary(grade('refund-unknown-retry', [u, retry], 21)), { state: 'passed', evidence: [u.id, retry.id] });
  });

  test('a retry that is not answered SUCCESS opens a new window', () => {
    const traffic = [unknown(), refund(50, 'T1', 'R1', '2.00', { isSuccess: false, resultCode: null, error: 'SYSTEM_ERROR' }), refund(100, 'T1', 'R1', '2.00')];
    assert.equal(grade('refund-unknown-retry', traffic, 101).state, 'passed');
  });

  test('fails on a refund of that trade under another partner_refund_id', () => {
    const verdict = grade('refund-unknown-retry', [unknown(), refund(5, 'T1', 'R1-new', '2.00')], 6);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /under another id \(R1-new\)/);
  });

  test('fails when 60 s pass after the UNKNOW without a retry; refunds of other trades do not count', () => {
    const traffic = [unknown(), refund(5, 'T2', 'R9', '1.00')];
    assert.equal(grade('refund-unknown-retry', traffic, 60).state, 'waiting');
    const verdict = grade('refund-unknown-retry', traffic, 61);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /not retried within 60 s/);
  });
});

describe('cancel-retry', () => {
  const fail = () => cancel(1, 'T1', { ruleId: ARMED, resultCode: 'FAIL', error: 'SYSTEM_ERROR', answer: { retry_flag: 'Y' } });

  test('passes when the cancel of the same trade is retried until SUCCESS (by out_trade_no or trade_no)', () => {
    const f = fail();
    const again = cancel(10, 'T1', { resultCode: 'FAIL' });
    const ok = cancel(40, 'T1');
    assert.deepEqual(summary(grade('cancel-retry', [f, again, ok], 41)), { state: 'passed', evidence: [f.id, ok.id] });
    const byTradeNo = { ...f, answer: { retry_flag: 'Y', trade_no: '2026120111001004000000000009' } };
    const viaTradeNo = { ...cancel(5, 'x'), params: { trade_no: '2026120111001004000000000009' } };
    assert.equal(grade('cancel-retry', [byTradeNo, viaTradeNo], 6).state, 'passed');
  });

  test('fails when 60 s pass after the FAIL without another cancel', () => {
    const verdict = grade('cancel-retry', [fail(), cancel(30, 'T2')], 61);
    assert.equal(verdict.state, 'failed');
    assert.match(verdict.reason!, /not retried within 60 s/);
  });
});
