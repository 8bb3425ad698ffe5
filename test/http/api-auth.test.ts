import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Express } from 'express';
import request from 'supertest';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { createApp } from '../../src/http/app.ts';

const TOKEN = 's3cret-admin-token';
let t: TestApp;
let app: Express;
before(async () => {
  t = await createTestApp();
  app = createApp(t.ctx, { adminToken: TOKEN });
});
after(() => t.close());

test('with an admin token, /api needs the bearer; the gateway and /healthz never do', async () => {
  const without = await request(app).get('/api/rules');
  assert.equal(without.status, 401);
  assert.equal(typeof without.body.errors.auth, 'string');
  assert.match(String(without.headers['www-authenticate']), /^Bearer/);
  const wrong = await request(app).get('/api/rules').set('Authorization', 'Bearer s3cret-admin-tokeN');
  assert.deepEqual([wrong.status, Object.keys(wrong.body.errors)], [401, ['auth']]);
  const shorter = await request(app).get('/api/rules').set('Authorization', 'Bearer s3cret');
  assert.equal(shorter.status, 401);
  const basic = await request(app).get('/api/rules').set('Authorization', `Basic ${TOKEN}`);
  assert.equal(basic.status, 401);
  // refused before the body is read: no 400 for a body that is not JSON
  const post = await request(app).post('/api/rules').set('Content-Type', 'application/json').send('{not json');
  assert.equal(post.status, 401);

  const ok = await request(app).get('/api/rules').set('Authorization', `Bearer ${TOKEN}`);
  assert.equal(ok.status, 200);
  assert.equal(ok.body.items.length, 14);
  const created = await request(app)
    .post('/api/rules')
    .set('Authorization', `bearer ${TOKEN}`)
    .send({ id: 'with-token', service: 'alipay.acquire.overseas.spot.pay', then: { type: 'business', resultCode: 'SUCCESS' } });
  assert.equal(created.status, 201);

  assert.equal((await call(app, payParams())).fields.result_code, 'SUCCESS');
  assert.equal((await request(app).get('/healthz')).status, 200);
  // the app built without a token stays open
  assert.equal((await request(t.app).get('/api/partners')).status, 200);
});
