import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('an empty mock: the gateway URL, the partner and its key, zero counts, nothing running', async () => {
  const res = await new PageSession(t.app).get('/');
  assert.equal(res.status, 200);
  assert.match(res.text, /<code id="gateway-url">http:\/\/127\.0\.0\.1:\d+\/gateway\.do<\/code>/);
  assert.match(res.text, new RegExp(`${PARTNER} <span class="badge info">default</span>`));
  assert.match(res.text, new RegExp(`<code id="partner-key-0">${KEY}</code>`));
  assert.match(res.text, /<span class="stat">0<\/span><span class="muted">trades<\/span>/);
  assert.match(res.text, /<span class="stat">0<\/span><span class="muted">requests logged<\/span>/);
  assert.match(res.text, /14<span class="stat-of"> \/ 14<\/span>/);
  assert.match(res.text, /No request yet/);
  assert.match(res.text, /None: requests get/);
});

test('the gateway URL follows the Host the browser used (a LAN name given in ALLOWED_HOSTS)', async () => {
  const app = createApp(t.ctx, { hosts: { extra: ['pos-mock.lan'] } });
  const res = await request(app).get('/').set('Host', 'pos-mock.lan:9000');
  assert.equal(res.status, 200);
  assert.match(res.text, /http:\/\/pos-mock\.lan:9000\/gateway\.do/);
});

test('counts, the latest ten requests with their outcome, and the running scenarios', async () => {
  const s = new PageSession(t.app);
  const ids: string[] = [];
  for (let i = 0; i < 11; i++) {
    const id = `OV${i}-${Date.now()}`;
    ids.push(id);
    await call(t.app, payParams({ partner_trans_id: id, trans_amount: i === 10 ? '9902' : '10.00' }));
  }
  await call(t.app, payParams({ partner_trans_id: NASTY, trans_amount: '9908' }));
  await t.ctx.rules.create({ id: 'scenario-abc', service: 'alipay.acquire.overseas.query', durationMinutes: 30, then: { type: 'gateway', error: 'SYSTEM_ERROR' } });
  const res = await s.get('/');
  assert.equal(res.status, 200);
  assertEscaped(res.text);
  assert.match(res.text, /<span class="stat">10<\/span><span class="muted">trades<\/span>/);
  assert.match(res.text, /<span class="stat">12<\/span><span class="muted">requests logged<\/span>/);
  assert.match(res.text, /<span class="stat">1<\/span><span class="muted">custom rules in force<\/span>/);
  const rows = [...res.text.matchAll(/<a href="\/requests\/([^"]+)">Details<\/a>/g)].map((m) => m[1]);
  assert.equal(rows.length, 10);
  const log = await t.ctx.stores.requestLog.list({ limit: 10 });
  assert.deepEqual(rows, log.map((entry) => encodeURIComponent(entry.id)));
  assert.match(res.text, /&lt;script&gt;alert/);
  assert.match(res.text, /<span class="badge bad">is_success=F · SYSTEM_ERROR<\/span>/);
  assert.match(res.text, /<span class="badge bad">FAILED · BUYER_BALANCE_NOT_ENOUGH<\/span>\s*<span class="muted small">rule pay-9902-balance-not-enough<\/span>/);
  assert.match(res.text, /<span class="badge good">SUCCESS<\/span>/);
  assert.match(res.text, new RegExp(`href="/rules/new\\?fromRequest=${encodeURIComponent(log[0]!.id)}"`));
  assert.doesNotMatch(res.text, new RegExp(`>${ids[0]}<`), 'the oldest is past the latest ten');
  assert.match(res.text, /<strong>query<\/strong> → <span class="mono">is_success=F \/ SYSTEM_ERROR<\/span>/);
  assert.match(res.text, /data-seconds-left="1800">30 min</);
  t.time.ms += 10 * 60_000 + 30_000;
  assert.match((await s.get('/')).text, /data-seconds-left="1170">19 min 30 s</);
  await t.ctx.rules.remove('scenario-abc');
});
