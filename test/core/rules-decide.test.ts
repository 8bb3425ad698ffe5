import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from '../../src/core/rules/decide.ts';
import { parseRule } from '../../src/core/rules/schema.ts';
import type { Rule } from '../../src/core/rules/types.ts';
import { getService } from '../../src/core/services/index.ts';
import type { ExecuteInput } from '../../src/core/services/service.ts';
import type { Trade } from '../../src/core/types.ts';

const NOW = new Date('2024-01-01T04:00:03Z');
const PARTNER = '2088000000000001';
const pay = getService('alipay.acquire.overseas.spot.pay');
const refund = getService('alipay.acquire.overseas.spot.refund');
const cancel = getService('alipay.acquire.cancel');

function rule(body: Record<string, unknown>): Rule {
  const parsed = parseRule(body, { now: NOW, newId: () => 'r' });
  assert.ok(parsed.ok, JSON.stringify(parsed));
  return parsed.rule;
}

const payInput = (params: Record<string, string> = {}): ExecuteInput => ({
  params: {
    partner: PARTNER, partner_trans_id: 'T1', trans_amount: '10.00', currency: 'USD', trans_name: 'Coffee',
    buyer_identity_code: '281234567890123456', ...params,
  },
  partner: PARTNER,
  now: NOW,
  trade: null,
  existingRefund: null,
  freshAlipayTransId: '2024010122001400011234567890',
});

const paid = (): Trade => pay.execute(payInput()).trade!;

test('no rule: the service answers and its change is returned', () => {
  const d = decide(null, pay, payInput());
  assert.equal(d.fields.result_code, 'SUCCESS');
  assert.equal(d.trade?.state, 'TRADE_SUCCESS');
  assert.deepEqual([d.gatewayError, d.fault, d.delayMs], [null, null, 0]);
});

test('a business failure answers in the service vocabulary and changes nothing', () => {
  const d = decide(rule({ service: pay.name, then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', fields: { extra: '{{trans_name}}' } } }), pay, payInput());
  assert.deepEqual(d.fields, { result_code: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH', extra: 'Coffee' });
  assert.equal(d.trade, undefined);
});

test('a cancel failure uses detail_error_code and retry_flag, never error', () => {
  const input = { ...payInput({ out_trade_no: 'T1' }), trade: paid() };
  const d = decide(rule({ service: cancel.name, then: { type: 'business', resultCode: 'FAIL', error: 'SYSTEM_ERROR', fields: { retry_flag: 'Y' } } }), cancel, input);
  assert.deepEqual(d.fields, { result_code: 'FAIL', detail_error_code: 'SYSTEM_ERROR', retry_flag: 'Y', out_trade_no: 'T1' });
  assert.equal(d.trade, undefined);
});

test('apply: the refund happens, the answer is UNKNOW; a replay that changes nothing answers the truth', () => {
  const trade = paid();
  const r = rule({ service: refund.name, then: { type: 'business', resultCode: 'UNKNOW', error: 'SYSTEM_ERROR', apply: true } });
  const params = { partner: PARTNER, partner_trans_id: 'T1', partner_refund_id: 'R1', refund_amount: '1.00', currency: 'USD' };
  const first = decide(r, refund, { ...payInput(), params, trade });
  assert.deepEqual([first.fields.result_code, first.fields.error, first.fields.partner_refund_id], ['UNKNOW', 'SYSTEM_ERROR', 'R1']);
  assert.equal(first.refund?.amount, 100);
  const replay = decide(r, refund, { ...payInput(), params, trade: first.trade!, existingRefund: first.refund! });
  assert.deepEqual([replay.fields.result_code, replay.refund], ['SUCCESS', undefined]);
});

test('pending makes a waiting trade and answers UNKNOW; gateway and fault outcomes', () => {
  const pending = decide(rule({ service: pay.name, then: { type: 'pending', settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, error: 'SYSTEM_ERROR' } }), pay, payInput());
  assert.deepEqual([pending.fields.result_code, pending.fields.error, pending.trade?.state], ['UNKNOW', 'SYSTEM_ERROR', 'WAIT_BUYER_PAY']);
  assert.deepEqual(pending.trade?.pending, { settleTo: 'TRADE_SUCCESS', settleAfterQueries: 2, settleAfterSeconds: null });
  const gateway = decide(rule({ service: pay.name, then: { type: 'gateway', error: 'SYSTEM_ERROR', delayMs: 50 } }), pay, payInput());
  assert.deepEqual([gateway.gatewayError, gateway.trade, gateway.delayMs], ['SYSTEM_ERROR', undefined, 50]);
  const fault = decide(rule({ service: pay.name, then: { type: 'fault', fault: 'reset' } }), pay, payInput());
  assert.deepEqual([fault.fault, fault.fields.result_code, fault.trade?.state], ['reset', 'SUCCESS', 'TRADE_SUCCESS']);
});
