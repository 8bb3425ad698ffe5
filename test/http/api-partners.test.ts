import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import request from 'supertest';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, encodeForm, payParams, rawCall, signed } from '../helpers/mapi.ts';

let t: TestApp;
let server: Server;
/** within this helper's port range */
const PORT = 18210;
const base = `http://127.0.0.1:${PORT}`;
const received: Array<{ path: string; params: Record<string, string> }> = [];

before(async () => {
  t = await createTestApp({ notify: { notifyIntervalMs: 30, notifyRetryDelaysMs: [100] } });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', params: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('latin1'))) });
      res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/refuses' ? 'fail' : 'success');
    });
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

const api = () => request(t.app);

function signedWithKey(params: Record<string, string>): boolean {
  const text = Object.keys(params).filter((k) => k !== 'sign' && k !== 'sign_type').sort().map((k) => `${k}=${params[k]}`).join('&');
  return createHash('md5').update(text + KEY, 'utf8').digest('hex') === params.sign;
}

async function until<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('timed out waiting');
}

test("a partner's notifyUrl: set, shown, refused when not http(s), cleared with null", async () => {
  const set = await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl: `${base}/default` });
  assert.deepEqual(set.body, { id: PARTNER, key: KEY, notifyUrl: `${base}/default` });
  assert.equal((await api().get('/api/partners')).body.items[0].notifyUrl, `${base}/default`);

  for (const notifyUrl of ['ftp://example.test/x', 'not a url', 42]) {
    const bad = await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl });
    assert.deepEqual([bad.status, Object.keys(bad.body.errors)], [400, ['notifyUrl']]);
  }
  const other = await api().patch(`/api/partners/${PARTNER}`).send({ key: 'x' });
  assert.equal(other.status, 400);
  assert.equal((await api().patch('/api/partners/2088999999999999').send({ notifyUrl: null })).status, 404);
  // a new key keeps the URL
  await api().post('/api/partners').send({ id: PARTNER, key: KEY }).expect(200);
  assert.equal((await api().get('/api/partners')).body.items[0].notifyUrl, `${base}/default`);
});

test("a pay without notify_url is notified at the partner's URL; one with its own keeps it", async () => {
  await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl: `${base}/default` }).expect(200);
  const plain = payParams();
  const own = payParams({ notify_url: `${base}/own` });
  await call(t.app, plain);
  await call(t.app, own);
  const atDefault = await until(async () => received.find((r) => r.path === '/default' && r.params.out_trade_no === plain.partner_trans_id));
  assert.equal(atDefault.params.trade_status, 'TRADE_SUCCESS');
  assert.ok(signedWithKey(atDefault.params));
  await until(async () => received.find((r) => r.path === '/own' && r.params.out_trade_no === own.partner_trans_id));
  assert.equal(received.some((r) => r.path === '/default' && r.params.out_trade_no === own.partner_trans_id), false);

  await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl: null }).expect(200);
  const after = payParams();
  await call(t.app, after);
  await t.ctx.flush();
  const listed = (await api().get(`/api/notifications?partner_trans_id=${after.partner_trans_id}`)).body.items;
  assert.deepEqual(listed, []);
});

test('a test notification posts a signed trade_status_sync and answers what came back', async () => {
  const none = await api().post(`/api/partners/${PARTNER}/test-notification`);
  assert.deepEqual([none.status, Object.keys(none.body.errors)], [400, ['notifyUrl']]);

  await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl: `${base}/test` }).expect(200);
  const sent = await api().post(`/api/partners/${PARTNER}/test-notification`);
  assert.equal(sent.status, 200);
  assert.deepEqual(sent.body, { url: `${base}/test`, status: 200, body: 'success', delivered: true, error: null });
  const got = received.filter((r) => r.path === '/test').at(-1)!;
  assert.deepEqual([got.params.notify_type, got.params.trade_status, got.params.partner], ['trade_status_sync', 'TRADE_SUCCESS', PARTNER]);
  assert.ok(signedWithKey(got.params));
  // not a trade, not in the notification log
  assert.deepEqual((await api().get(`/api/trades?partner_trans_id=${got.params.out_trade_no}`)).body.items, []);
  assert.deepEqual((await api().get(`/api/notifications?partner_trans_id=${got.params.out_trade_no}`)).body.items, []);

  await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl: `${base}/refuses` }).expect(200);
  const refused = await api().post(`/api/partners/${PARTNER}/test-notification`);
  assert.deepEqual([refused.body.status, refused.body.body, refused.body.delivered], [200, 'fail', false]);
  await api().patch(`/api/partners/${PARTNER}`).send({ notifyUrl: null }).expect(200);
  assert.equal((await api().post('/api/partners/2088999999999999/test-notification')).status, 404);
});

test('removing a partner takes its trades, rules and log entries; rules for every partner stay', async () => {
  const id = '2088000000000077';
  const { key } = (await api().post('/api/partners').send({ id }).expect(201)).body;
  const then = { type: 'business', resultCode: 'FAILED', error: 'SYSTEM_ERROR' };
  await api().post('/api/rules').send({ id: 'own-rule', service: 'alipay.acquire.overseas.spot.pay', partner: id, when: [{ param: 'trans_amount', op: 'eq', value: '7' }], then }).expect(201);
  await api().post('/api/rules').send({ id: 'everyone', service: 'alipay.acquire.overseas.spot.pay', when: [{ param: 'trans_amount', op: 'eq', value: '8' }], then }).expect(201);
  const pay = payParams({ partner: id, alipay_seller_id: id });
  const paid = await rawCall(t.app, { body: encodeForm(signed(pay, { key })), contentType: 'application/x-www-form-urlencoded' });
  assert.equal(paid.fields.result_code, 'SUCCESS');
  await t.ctx.flush();
  assert.equal((await api().get(`/api/trades?partner=${id}`)).body.items.length, 1);
  assert.equal((await api().get(`/api/requests?partner=${id}`)).body.items.length, 1);

  assert.equal((await api().delete(`/api/partners/${id}`)).status, 204);
  assert.deepEqual((await api().get('/api/partners')).body.items.map((p: { id: string }) => p.id), [PARTNER]);
  assert.deepEqual((await api().get(`/api/trades?partner=${id}`)).body.items, []);
  assert.deepEqual((await api().get(`/api/requests?partner=${id}`)).body.items, []);
  assert.equal((await api().get('/api/rules/own-rule')).status, 404);
  assert.equal((await api().get('/api/rules/everyone')).status, 200);
  assert.equal((await api().delete(`/api/partners/${id}`)).status, 404);
  const seeded = await api().delete(`/api/partners/${PARTNER}`);
  assert.deepEqual([seeded.status, Object.keys(seeded.body.errors)], [400, ['id']]);
});
