import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { grade, notification, pay, summary } from '../helpers/case-traffic.ts';

describe('gbk-charset', () => {
  test('passes on a GBK request (declared or by default) with Chinese text, accepted', () => {
    const ascii = pay(1, 'T1', { charset: 'gbk' });
    const utf8 = pay(2, 'T2', { charset: 'utf-8' }, { trans_name: '咖啡' });
    assert.equal(grade('gbk-charset', [ascii, utf8], 3).state, 'waiting');
    const gbk = pay(3, 'T3', { charset: 'gbk' }, { trans_name: '咖啡' });
    assert.deepEqual(summary(grade('gbk-charset', [ascii, utf8, gbk], 4)), { state: 'passed', evidence: [gbk.id] });
    assert.equal(grade('gbk-charset', [pay(3, 'T4', { charset: 'gb2312' }, { trans_name: '咖啡' })], 4).state, 'passed');
  });

  test('fails when such a request is refused with ILLEGAL_SIGN', () => {
    const refused = pay(1, 'T1', { charset: 'gbk', isSuccess: false, resultCode: null, error: 'ILLEGAL_SIGN' }, { trans_name: '咖啡' });
    const verdict = grade('gbk-charset', [refused, pay(2, 'T2', { charset: 'gbk' }, { trans_name: '咖啡' })], 3);
    assert.deepEqual(summary(verdict), { state: 'failed', evidence: [refused.id] });
    assert.match(verdict.reason!, /ILLEGAL_SIGN/);
  });
});

describe('notify-ack', () => {
  const ok = { delivered: true, status: 200, body: 'success\n', error: null };

  test('passes when the first attempt is answered success; waits while it has not ended', () => {
    assert.equal(grade('notify-ack', [], 5, { notifications: [notification(1, null)] }).state, 'waiting');
    const n = notification(1, ok);
    assert.deepEqual(summary(grade('notify-ack', [], 5, { notifications: [n] })), { state: 'passed', evidence: [n.id] });
  });

  test('fails when the first attempt is answered anything else, or not at all', () => {
    const wrong = grade('notify-ack', [], 5, { notifications: [notification(1, { delivered: false, status: 200, body: 'OK', error: 'answered 200 without "success"' })] });
    assert.equal(wrong.state, 'failed');
    assert.match(wrong.reason!, /answered HTTP 200 "OK"/);
    const refused = grade('notify-ack', [], 5, { notifications: [notification(1, { delivered: false, status: null, body: null, error: 'fetch failed: connect ECONNREFUSED' })] });
    assert.match(refused.reason!, /not answered \(fetch failed: connect ECONNREFUSED\)/);
  });

  test('a notification from before the start does not count', () => {
    assert.equal(grade('notify-ack', [], 5, { notifications: [notification(-1, ok)] }).state, 'waiting');
  });
});
