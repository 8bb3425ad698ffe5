import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RuleIndex } from '../../src/core/rules/match.ts';
import { parseRule, ruleToJson } from '../../src/core/rules/schema.ts';
import type { Rule, StoredRule } from '../../src/core/rules/types.ts';
import type { ServiceName, Trade } from '../../src/core/types.ts';

const DIR = join(import.meta.dirname, '../../rules');
const NOW = new Date('2024-01-01T04:00:00Z');

function load(): Array<{ file: string; json: unknown; rule: Rule }> {
  return readdirSync(DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const json: unknown = JSON.parse(readFileSync(join(DIR, file), 'utf8'));
      const result = parseRule(json, { now: NOW, newId: () => assert.fail(`${file} has no id`) });
      if (!result.ok) assert.fail(`${file}: ${JSON.stringify(result.errors)}`);
      return { file, json, rule: result.rule };
    });
}

const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';
const CANCEL = 'alipay.acquire.cancel';
const QUERY = 'alipay.acquire.overseas.query';

const EXPECTED: Array<[string, string, string, Rule['then']]> = [
  ['cancel-9913-fail-retry', CANCEL, '9913', { type: 'business', resultCode: 'FAIL', error: 'SYSTEM_ERROR', fields: { retry_flag: 'Y' }, delayMs: 0 }],
  ['cancel-9914-unknown-applied', CANCEL, '9914', { type: 'business', resultCode: 'UNKNOWN', fields: { retry_flag: 'Y' }, apply: true, delayMs: 0 }],
  ['pay-9901-system-error', PAY, '9901', { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR', fields: {}, delayMs: 0 }],
  ['pay-9902-balance-not-enough', PAY, '9902', { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: {}, delayMs: 0 }],
  ['pay-9903-day-limit', PAY, '9903', { type: 'business', resultCode: 'FAILED', error: 'BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR', fields: {}, delayMs: 0 }],
  ['pay-9904-unreadable-code', PAY, '9904', { type: 'business', resultCode: 'FAILED', error: 'SOUNDWAVE_PARSER_FAIL', fields: {}, delayMs: 0 }],
  ['pay-9905-trade-closed', PAY, '9905', { type: 'business', resultCode: 'FAILED', error: 'TRADE_HAS_CLOSE', fields: {}, delayMs: 0 }],
  ['pay-9906-unknown-then-paid', PAY, '9906', { type: 'pending', settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null, delayMs: 0 }],
  ['pay-9907-buyer-walked-away', PAY, '9907', { type: 'pending', settleTo: null, settleAfterQueries: null, settleAfterSeconds: null, delayMs: 0 }],
  ['pay-9908-gateway-system-error', PAY, '9908', { type: 'gateway', error: 'SYSTEM_ERROR', delayMs: 0 }],
  ['query-9915-gateway-system-error', QUERY, '9915', { type: 'gateway', error: 'SYSTEM_ERROR', delayMs: 0 }],
  ['query-9916-fail-system-error', QUERY, '9916', { type: 'business', resultCode: 'FAIL', error: 'SYSTEM_ERROR', fields: {}, delayMs: 0 }],
  ['refund-9911-system-error', REFUND, '9911', { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR', fields: {}, delayMs: 0 }],
  ['refund-9912-unknown-applied', REFUND, '9912', { type: 'business', resultCode: 'UNKNOW', error: 'SYSTEM_ERROR', fields: {}, apply: true, delayMs: 0 }],
];

describe('default rules (rules/*.json)', () => {
  const loaded = load();

  it('are exactly the design\'s fourteen, each in a file named by its id', () => {
    assert.deepEqual(loaded.map(({ file }) => file), EXPECTED.map(([id]) => `${id}.json`));
    for (const { file, rule } of loaded) assert.equal(`${rule.id}.json`, file);
  });

  it('say what the design tables say', () => {
    for (const [i, { rule }] of loaded.entries()) {
      const [id, service, amount, then] = EXPECTED[i]!;
      const param = service === PAY ? 'trans_amount' : 'trade.trans_amount';
      assert.equal(rule.id, id);
      assert.equal(rule.service, service, id);
      assert.deepEqual(rule.when, [{ param, op: 'eq', value: amount }], id);
      assert.deepEqual(rule.then, then, id);
      assert.deepEqual([rule.partner, rule.priority, rule.enabled, rule.activeUntil, rule.remainingUses], [null, 0, true, null, null], id);
      assert.match(rule.name, /^(Trade amount|Amount) 99\d\d: /, id);
    }
  });

  it('are written in the public shape, as ruleToJson gives it', () => {
    for (const { json, rule } of loaded) assert.deepEqual(json, ruleToJson(rule));
  });

  it('answer the amounts a cashier types', () => {
    const stored = loaded.map(({ rule }): StoredRule => ({ ...rule, source: 'default', createdAt: NOW.toISOString(), updatedAt: NOW.toISOString(), hits: 0, lastHitAt: null }));
    const index = new RuleIndex(stored);
    const base = { partner: '2088000000000001', now: NOW, trade: null };
    assert.equal(index.candidates({ ...base, service: PAY, params: { trans_amount: '9902.00' } })[0]?.id, 'pay-9902-balance-not-enough');
    assert.equal(index.candidates({ ...base, service: PAY, params: { trans_amount: '9911' } }).length, 0);
    const trade = { currency: 'USD', amount: 991_400 } as Trade;
    assert.equal(index.candidates({ ...base, service: CANCEL as ServiceName, params: {}, trade })[0]?.id, 'cancel-9914-unknown-applied');
    assert.equal(index.candidates({ ...base, service: REFUND as ServiceName, params: {}, trade }).length, 0);
  });
});
