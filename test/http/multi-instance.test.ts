// Two instances of the mock on one database: a change made through one is in force on the other within a second.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import { OffsetClock } from '../../src/app/clock.ts';
import type { AppContext } from '../../src/app/context.ts';
import { startMock } from '../../src/compose.ts';
import { FIXED_NOW, KEY, PARTNER } from '../helpers/app.ts';
import { createSharedTestStores } from '../helpers/db.ts';
import { call, payParams } from '../helpers/mapi.ts';

let stores: Awaited<ReturnType<typeof createSharedTestStores>>;
let one: { ctx: AppContext; app: Express };
let two: { ctx: AppContext; app: Express };

before(async () => {
  stores = await createSharedTestStores();
  const make = async (store: typeof stores.a) => {
    const { ctx, createApp } = await startMock({
      database: { stores: store },
      defaultPartner: { id: PARTNER, key: KEY },
      clock: new OffsetClock(() => FIXED_NOW),
      syncIntervalMs: 100,
    });
    return { ctx, app: createApp() };
  };
  one = await make(stores.a);
  two = await make(stores.b);
});
after(async () => {
  await one.ctx.close();
  await two.ctx.close();
  await stores.close();
});

async function eventually(check: () => Promise<boolean>, ms = 1000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

test('a rule created on one instance answers on the other within a second, and so does its removal', async () => {
  const created = await one.ctx.rules.create({
    id: 'shared-rule',
    service: 'alipay.acquire.overseas.spot.pay',
    when: [{ param: 'trans_name', op: 'eq', value: 'shared' }],
    then: { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' },
  });
  assert.ok(created.ok);
  assert.ok(await eventually(async () => (await call(two.app, payParams({ trans_name: 'shared' }))).fields.result_code === 'FAILED'));
  await one.ctx.rules.remove('shared-rule');
  assert.ok(await eventually(async () => (await call(two.app, payParams({ trans_name: 'shared' }))).fields.result_code === 'SUCCESS'));
});

test('a default rule switched off on one instance is off on the other', async () => {
  await one.ctx.rules.setEnabled('pay-9902-balance-not-enough', false);
  assert.ok(await eventually(async () => (await call(two.app, payParams({ trans_amount: '9902' }))).fields.result_code === 'SUCCESS'));
  await one.ctx.rules.setEnabled('pay-9902-balance-not-enough', true);
  assert.ok(await eventually(async () => (await call(two.app, payParams({ trans_amount: '9902' }))).fields.error === 'BUYER_BALANCE_NOT_ENOUGH'));
});

test('a partner added on one instance can pay on the other; trades are shared', async () => {
  await one.ctx.partners.upsert({ id: '2088000000000777', key: 'k'.repeat(32) });
  assert.ok(await eventually(async () => two.ctx.partners.get('2088000000000777') !== undefined));
  const pay = payParams();
  await call(one.app, pay);
  const queried = await call(two.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: pay.partner_trans_id! });
  assert.equal(queried.fields.alipay_trans_status, 'TRADE_SUCCESS');
});

test('refunds of one trade sent to both instances at once never over-refund, and a retried refund id is made once', async () => {
  const pay = payParams({ trans_amount: '1.00' });
  assert.equal((await call(one.app, pay)).fields.result_code, 'SUCCESS');
  const refund = (id: string) => ({
    service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: pay.partner_trans_id!,
    partner_refund_id: `${pay.partner_trans_id}-${id}`, refund_amount: '0.10', currency: 'USD',
  });
  // 16 refund ids of 0.10 (10 fit in 1.00), each sent to both instances: 32 requests at once
  const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => [call(one.app, refund(`C${i}`)), call(two.app, refund(`C${i}`))]).flat());
  const made = new Set<string>();
  for (let i = 0; i < 16; i++) {
    const [a, b] = [answers[2 * i]!, answers[2 * i + 1]!];
    // the two answers to one id agree: both made it, or both refused it
    assert.equal(a.fields.result_code, b.fields.result_code, `refund C${i}`);
    if (a.fields.result_code === 'SUCCESS') made.add(`C${i}`);
  }
  assert.equal(made.size, 10);
  const [trade] = await one.ctx.stores.trades.listTrades({ partnerTransId: pay.partner_trans_id! });
  assert.deepEqual([trade!.refunded, trade!.state], [100, 'TRADE_CLOSED']);
  const stored = await two.ctx.stores.trades.listRefunds(PARTNER, pay.partner_trans_id!);
  assert.deepEqual(new Set(stored.map((r) => r.partnerRefundId.slice(pay.partner_trans_id!.length + 1))), made);
});

test('a case started on one instance is armed on the other, and graded from what either answered', async () => {
  const [casesOne, casesTwo] = [one.ctx.cases, two.ctx.cases];
  const started = await casesOne.start(PARTNER, 'pay-failed');
  assert.ok(started.ok);
  const ruleId = started.value.ruleId!;
  assert.ok(await eventually(async () => two.ctx.rules.get(ruleId) !== undefined));
  const pay = payParams({ trans_amount: '3.00' });
  assert.equal((await call(two.app, pay)).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  // one reads what two logged (two writes its log within its interval)
  const seen = async () => {
    const got = await casesOne.get(PARTNER, 'pay-failed');
    return got.ok && got.value.evidence.length === 1;
  };
  assert.ok(await eventually(seen));
  const onTwo = await casesTwo.get(PARTNER, 'pay-failed');
  assert.ok(onTwo.ok);
  assert.equal(onTwo.value.state, 'waiting');
  await casesTwo.reset(PARTNER, 'pay-failed');
  const onOne = await casesOne.get(PARTNER, 'pay-failed');
  assert.ok(onOne.ok);
  assert.equal(onOne.value.state, 'not_started');
});
