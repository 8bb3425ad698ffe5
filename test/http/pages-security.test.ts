import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { PageSession } from '../helpers/pages.ts';

const TOKEN = 'let-me-in-0123456789';
let t: TestApp;
let app: ReturnType<typeof createApp>;
before(async () => {
  t = await createTestApp();
  app = createApp(t.ctx, { adminToken: TOKEN });
});
after(() => t.close());

test('with ADMIN_TOKEN, pages ask for a login once and keep a session cookie', async () => {
  const browser = new PageSession(app);
  const first = await browser.get('/rules');
  assert.equal(first.status, 303);
  assert.equal(first.location, '/login?next=%2Frules');
  const form = await browser.follow(first);
  assert.equal(form.status, 200);
  assert.match(form.text, /Admin token/);

  const wrong = await browser.post('/login', { token: 'nope', next: '/rules' });
  assert.equal(wrong.status, 401);
  assert.match(wrong.text, /not the admin token/);

  const right = await browser.post('/login', { token: TOKEN, next: '/rules' });
  assert.deepEqual([right.status, right.location], [303, '/rules']);
  assert.equal((await browser.get('/rules')).status, 200);
  assert.equal((await browser.get('/')).status, 200);

  const out = await browser.post('/logout', {});
  assert.equal(out.status, 303);
  assert.equal((await browser.get('/rules')).status, 303);
});

test('login never redirects off the site', async () => {
  const browser = new PageSession(app);
  await browser.get('/login');
  const answer = await browser.post('/login', { token: TOKEN, next: '//evil.example/x' });
  assert.deepEqual([answer.status, answer.location], [303, '/']);
});

test('pages also take the bearer token; the API needs it; the gateway never does', async () => {
  assert.equal((await new PageSession(app, TOKEN).get('/rules')).status, 200);
  assert.equal((await request(app).get('/api/rules')).status, 401);
  assert.equal((await request(app).get('/api/rules').set('Authorization', `Bearer ${TOKEN}`)).status, 200);
  assert.equal((await call(app, payParams())).fields.result_code, 'SUCCESS');
});

test('a form without its CSRF token is refused with a page, not a stack trace', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  const forged = await browser.post('/partners', { _csrf: 'forged', id: '2088000000000999' });
  assert.equal(forged.status, 403);
  assert.match(forged.text, /Form expired/);
  const bare = await request(t.app).post('/partners').type('form').send('id=2088000000000999');
  assert.equal(bare.status, 403);
  assert.doesNotMatch(bare.text, /at .*\.ts:\d+/);
});

test('a form sent from another site is refused even with a valid CSRF token', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  const evil = await browser.post('/partners', { id: '2088000000000998' }, { Origin: 'http://evil.example' });
  assert.equal(evil.status, 403);
  assert.match(evil.text, /came from another site/);
  const sibling = await browser.post('/partners', { id: '2088000000000998' }, { 'Sec-Fetch-Site': 'same-site' });
  assert.equal(sibling.status, 403);
  const partners = await request(t.app).get('/api/partners');
  assert.equal(partners.body.items.some((p: { id: string }) => p.id === '2088000000000998'), false);
  // what Chromium sends for the page's own form under a no-referrer policy goes through
  const own = await browser.post('/partners', { id: '2088000000000998' }, { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' });
  assert.equal(own.status, 303);
});

test('security headers: a CSP with nothing from elsewhere, no framing, no sniffing', async () => {
  const res = await request(t.app).get('/login');
  const csp = String(res.headers['content-security-policy']);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  // the pages' own forms carry their Origin (the cross-site check), other sites get no Referer
  assert.equal(res.headers['referrer-policy'], 'same-origin');
});

test('an unknown page is a 404 page; an unknown API path is JSON', async () => {
  const page = await request(t.app).get('/no-such-page');
  assert.equal(page.status, 404);
  assert.match(String(page.headers['content-type']), /text\/html/);
  const api = await request(t.app).get('/api/no-such-thing');
  assert.deepEqual([api.status, api.body], [404, { errors: { path: 'not found' } }]);
});
