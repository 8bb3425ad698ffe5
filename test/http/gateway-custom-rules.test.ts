import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { type TestApp, PARTNER, createTestApp } from '../helpers/app.ts';
import { call, encodeForm, payParams, signed } from '../helpers/mapi.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';

async function rule(body: Record<string, unknown>) {
  const created = await t.ctx.rules.create({ service: PAY, ...body });
  assert.ok(created.ok, JSON.stringify(created));
  return created.rule;
}

test('custom before default, then priority, then newest; the log names the rule', async () => {
  await rule({ id: 'low', priority: 1, when: [{ param: 'trans_amount', op: 'eq', value: '9902' }], then: { type: 'business', resultCode: 'FAILED', error: 'LOW' } });
  await rule({ id: 'high', priority: 5, when: [{ param: 'trans_amount', op: 'gte', value: '9000' }], then: { type: 'business', resultCode: 'FAILED', error: 'HIGH' } });
  assert.equal((await call(t.app, payParams({ trans_amount: '9902.00' }))).fields.error, 'HIGH');
  await rule({ id: 'high-newer', priority: 5, when: [{ param: 'trans_amount', op: 'in', value: ['9902', '9903'] }], then: { type: 'business', resultCode: 'FAILED', error: 'NEWER' } });
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'NEWER');
  for (const id of ['low', 'high', 'high-newer']) await t.ctx.rules.remove(id);
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
});

test('remainingUses is taken atomically: ten concurrent pays against three uses get exactly three rule answers', async () => {
  await rule({ id: 'three-uses', remainingUses: 3, when: [{ param: 'trans_name', op: 'eq', value: 'limited' }], then: { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' } });
  const answers = await Promise.all(Array.from({ length: 10 }, () => call(t.app, payParams({ trans_name: 'limited' }))));
  assert.equal(answers.filter((a) => a.fields.result_code === 'FAILED').length, 3);
  assert.equal(answers.filter((a) => a.fields.result_code === 'SUCCESS').length, 7);
  await t.ctx.sync.refresh();
  assert.equal(t.ctx.rules.get('three-uses')!.remainingUses, 0);
  await t.ctx.flush();
  await t.ctx.sync.refresh();
  assert.equal(t.ctx.rules.get('three-uses')!.hits, 3);
});

test('"the first pay fails, the retry succeeds" with remainingUses 1 and the same partner_trans_id', async () => {
  const pay = payParams({ trans_name: 'retry-me' });
  await rule({ id: 'first-fails', remainingUses: 1, when: [{ param: 'partner_trans_id', op: 'eq', value: pay.partner_trans_id }], then: { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' } });
  assert.equal((await call(t.app, pay)).fields.result_code, 'FAILED');
  assert.equal((await call(t.app, pay)).fields.result_code, 'SUCCESS');
});

test('an active window on the partner clock: durationMinutes 30 stops matching after 30 minutes', async () => {
  await rule({ id: 'window', partner: PARTNER, durationMinutes: 30, when: [{ param: 'trans_name', op: 'eq', value: 'windowed' }], then: { type: 'gateway', error: 'SYSTEM_ERROR' } });
  assert.equal((await call(t.app, payParams({ trans_name: 'windowed' }))).error, 'SYSTEM_ERROR');
  t.time.ms += 31 * 60_000;
  assert.equal((await call(t.app, payParams({ trans_name: 'windowed' }))).fields.result_code, 'SUCCESS');
});

test('templates and fields: a SUCCESS rule lays fields over the real answer, signed', async () => {
  await rule({
    id: 'templated',
    when: [{ param: 'trans_name', op: 'prefix', value: 'tmpl' }],
    then: { type: 'business', resultCode: 'SUCCESS', fields: { payment_inst: 'ALIPAYHK', memo_echo: '<{{trans_name}}> & {{missing}}' } },
  });
  const answer = await call(t.app, payParams({ trans_name: 'tmpl 咖啡' }));
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.match(answer.fields.alipay_trans_id!, /^\d{28}$/);
  assert.equal(answer.fields.payment_inst, 'ALIPAYHK');
  assert.equal(answer.fields.memo_echo, '<tmpl 咖啡> & ');
  assert.equal(answer.signValid, true);
});

test('faults: empty, malformed_xml, http_500, bad_sign, reset and delay', async () => {
  const faultRule = (fault: string, extra: Record<string, unknown> = {}) =>
    rule({ id: `fault-${fault.replace('_', '-')}`, when: [{ param: 'trans_name', op: 'eq', value: `fault ${fault}` }], then: { type: 'fault', fault, ...extra } });
  const raw = (name: string) =>
    request(t.app).post('/gateway.do?_input_charset=utf-8').set('Content-Type', 'application/x-www-form-urlencoded')
      .send(encodeForm(signed(payParams({ trans_name: name })))).buffer(true).parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });

  await faultRule('empty');
  const empty = await raw('fault empty');
  assert.deepEqual([empty.status, (empty.body as Buffer).length], [200, 0]);

  await faultRule('malformed_xml');
  const malformed = (await raw('fault malformed_xml')).body.toString('latin1');
  assert.ok(malformed.startsWith('<?xml version="1.0" encoding="GBK"?><alipay>') && !malformed.endsWith('</alipay>'));

  await faultRule('http_500');
  const five = await raw('fault http_500');
  assert.equal(five.status, 500);
  assert.match(String(five.headers['content-type']), /text\/html/);

  await faultRule('bad_sign');
  const bad = await call(t.app, payParams({ trans_name: 'fault bad_sign' }));
  assert.deepEqual([bad.fields.result_code, bad.signValid], ['SUCCESS', false]);
  assert.match(bad.sign!, /^[0-9a-f]{32}$/);

  await faultRule('reset');
  const pay = payParams({ trans_name: 'fault reset' });
  await assert.rejects(
    request(t.app).post('/gateway.do').set('Content-Type', 'application/x-www-form-urlencoded').send(encodeForm(signed(pay))),
    /socket hang up|ECONNRESET/,
  );
  // the payment went through; only the answer was lost, as after a real timeout
  assert.equal((await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: pay.partner_trans_id! })).fields.alipay_trans_status, 'TRADE_SUCCESS');

  await faultRule('delay', { delayMs: 300 });
  const started = Date.now();
  const delayed = await call(t.app, payParams({ trans_name: 'fault delay' }));
  assert.equal(delayed.fields.result_code, 'SUCCESS');
  assert.ok(Date.now() - started >= 290, 'the answer waited for delayMs');
});

test('a catastrophic regex cannot hang the gateway', async () => {
  await rule({ id: 'redos', when: [{ param: 'trans_name', op: 'regex', value: '^(a+)+$' }], then: { type: 'business', resultCode: 'FAILED', error: 'REGEX' } });
  const answer = await call(t.app, payParams({ trans_name: `${'a'.repeat(200)}b` }));
  assert.equal(answer.fields.result_code, 'SUCCESS');
  assert.equal((await call(t.app, payParams({ trans_name: 'aaaa' }))).fields.error, 'REGEX');
});
