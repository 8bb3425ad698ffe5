import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CASES, countStates, reportPasses } from '../../src/core/cases/catalogue.ts';
import { renderJunit } from '../../src/core/cases/junit.ts';
import { parseRule } from '../../src/core/rules/schema.ts';

test('the catalogue has the contract ids, each with a title, steps and checks', () => {
  assert.deepEqual(CASES.map((c) => c.id), [
    'pay-success', 'pay-failed', 'pay-unknown-query', 'pay-timeout-cancel', 'pay-reset-recover', 'pay-bad-sign',
    'refund-partial-full', 'refund-unknown-retry', 'cancel-retry', 'gbk-charset', 'notify-ack',
  ]);
  for (const c of CASES) {
    assert.ok(c.title && c.steps.length > 0 && c.checks.length > 0, c.id);
  }
});

test('every armed answer is a rule the schema takes', () => {
  for (const c of CASES.filter((c) => c.arms)) {
    const parsed = parseRule({ service: c.arms!.service, partner: '2088000000000001', remainingUses: 1, when: [], then: c.arms!.then }, { now: new Date(0), newId: () => 'x' });
    assert.equal(parsed.ok, true, c.id);
  }
});

test('the report passes only when at least one case started and every started case passed', () => {
  assert.equal(reportPasses(countStates(['passed', 'not_started'])), true);
  assert.equal(reportPasses(countStates(['not_started', 'not_started'])), false);
  assert.equal(reportPasses(countStates(['passed', 'waiting'])), false);
  assert.equal(reportPasses(countStates(['passed', 'failed'])), false);
});

test('JUnit: one suite, a testcase per case; failed and waiting are failures, not started is skipped; text escaped', () => {
  const xml = renderJunit([
    { id: 'pay-success', title: 'A pay that succeeds', state: 'passed', reason: 'ok' },
    { id: 'pay-failed', title: 'A pay that fails is final', state: 'failed', reason: 'queried <T1> & "more"' },
    { id: 'notify-ack', title: 'A notification is answered exactly "success"', state: 'waiting', reason: null },
    { id: 'gbk-charset', title: 'GBK', state: 'not_started', reason: null },
  ]);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuite name="mapi-mock test cases" tests="4" failures="2" errors="0" skipped="1">/);
  assert.match(xml, /<testcase classname="mapi-mock" name="pay-success: A pay that succeeds"\/>/);
  assert.match(xml, /<testcase classname="mapi-mock" name="pay-failed: A pay that fails is final">\n {4}<failure message="queried &lt;T1&gt; &amp; &quot;more&quot;"\/>/);
  assert.match(xml, /name="notify-ack: A notification is answered exactly &quot;success&quot;">\n {4}<failure message="not passed yet"\/>/);
  assert.match(xml, /name="gbk-charset: GBK">\n {4}<skipped\/>/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 4);
});
