import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { createApp } from '../../src/http/app.ts';

const TOKEN = 'cross-site-admin-token';
const RULE = {
  name: 'x',
  service: 'alipay.acquire.overseas.spot.pay',
  when: [],
  then: { type: 'gateway', error: 'SYSTEM_ERROR' },
};
let t: TestApp;
let guarded: Express;
before(async () => {
  t = await createTestApp();
  guarded = createApp(t.ctx, { adminToken: TOKEN });
});
after(() => t.close());

async function customRules(): Promise<number> {
  const res = await request(t.app).get('/api/rules?source=custom');
  return res.body.items.length;
}

test('a text/plain POST (what any web page can send without a preflight) is 415 and changes nothing', async () => {
  const res = await request(t.app).post('/api/rules').set('Content-Type', 'text/plain').send(JSON.stringify(RULE));
  assert.equal(res.status, 415);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  assert.equal(typeof res.body.errors.body, 'string');
  const form = await request(t.app).post('/api/reset').type('form').send('a=1');
  assert.equal(form.status, 415);
  const multipart = await request(t.app).post('/api/partners').field('id', '2088000000000009');
  assert.equal(multipart.status, 415);
  const put = await request(t.app).put('/api/rules/x').set('Content-Type', 'text/plain').send('{}');
  assert.equal(put.status, 415);
  assert.equal(await customRules(), 0);
  assert.equal((await request(t.app).get('/api/partners')).body.items.length, 1);
});

test('a call without a body, and JSON with a charset or a +json type, are fine', async () => {
  const created = await request(t.app).post('/api/rules').set('Content-Type', 'application/json; charset=utf-8').send(JSON.stringify({ ...RULE, id: 'plain-json' }));
  assert.equal(created.status, 201);
  const patched = await request(t.app).patch('/api/rules/plain-json').set('Content-Type', 'application/merge-patch+json').send('{"enabled":false}');
  assert.equal(patched.status, 200);
  assert.equal(patched.body.enabled, false);
  assert.equal((await request(t.app).delete('/api/rules/plain-json')).status, 204);
  assert.equal((await request(t.app).post('/api/reset')).status, 200);
});

test('a state-changing call from another site is 403, by Origin or by Sec-Fetch-Site', async () => {
  const evil = await request(t.app).post('/api/rules').set('Origin', 'http://evil.example').send(RULE);
  assert.equal(evil.status, 403);
  assert.equal(typeof evil.body.errors.origin, 'string');
  const nullOrigin = await request(t.app).post('/api/reset').set('Origin', 'null');
  assert.equal(nullOrigin.status, 403);
  const otherPort = await request(t.app).delete('/api/rules/pay-9902-balance-not-enough').set('Origin', 'http://127.0.0.1:1');
  assert.equal(otherPort.status, 403);
  for (const site of ['cross-site', 'same-site']) {
    const res = await request(t.app).post('/api/partners').set('Sec-Fetch-Site', site).send({ id: '2088000000000009' });
    assert.equal(res.status, 403, site);
  }
  assert.equal(await customRules(), 0);
  assert.equal((await request(t.app).get('/api/partners')).body.items.length, 1);
  // reading is not changing: a GET from elsewhere still answers (a browser cannot read it without CORS anyway)
  assert.equal((await request(t.app).get('/api/rules').set('Origin', 'http://evil.example')).status, 200);
});

test('the same site, and callers that are not browsers, may change the mock', async () => {
  // supertest listens on a new port per call: a server of this test's own, so that the Origin is known
  const server = t.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const same = await request(server).post('/api/rules').set('Origin', `http://${host}`).set('Sec-Fetch-Site', 'same-origin').send({ ...RULE, id: 'same-site' });
  server.close();
  assert.equal(same.status, 201);
  const none = await request(t.app).delete('/api/rules/same-site').set('Sec-Fetch-Site', 'none');
  assert.equal(none.status, 204);
});

test('with ADMIN_TOKEN, a cross-site caller holding the bearer token is let through; one without it is not', async () => {
  const without = await request(guarded).post('/api/rules').set('Origin', 'http://evil.example').send(RULE);
  assert.equal(without.status, 403);
  const wrong = await request(guarded).post('/api/rules').set('Origin', 'http://evil.example').set('Authorization', 'Bearer nope').send(RULE);
  assert.equal(wrong.status, 403);
  const withToken = await request(guarded)
    .post('/api/rules')
    .set('Origin', 'http://tools.example')
    .set('Authorization', `Bearer ${TOKEN}`)
    .send({ ...RULE, id: 'with-token' });
  assert.equal(withToken.status, 201);
  assert.equal((await request(guarded).delete('/api/rules/with-token').set('Authorization', `Bearer ${TOKEN}`)).status, 204);
});
