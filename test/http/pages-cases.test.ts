import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
let session: PageSession;
before(async () => {
  t = await createTestApp();
  session = new PageSession(t.app);
});
after(() => t.close());

test('/cases lists every case for the sandbox partner with a progress summary, and is in the navigation', async () => {
  const res = await session.get('/cases');
  assert.equal(res.status, 200);
  assert.match(res.text, /0 of 11 passed/);
  assert.match(res.text, /<a href="\/cases" class="active"/);
  assert.equal((res.text.match(/class="card case-item"/g) ?? []).length, 11);
  assert.match(res.text, /A pay answered UNKNOW is queried until final/);
  assert.equal((await session.get('/')).text.includes('href="/cases"'), true);
});

test('Start from the form arms the case, the pay it judges is linked as evidence, Reset takes it back', async () => {
  const started = await session.post('/cases/pay-success/start', { partner: PARTNER, back: '/cases?partner=' + PARTNER });
  assert.equal(started.status, 303);
  const list = await session.follow(started);
  assert.match(list.text, /pay-success started for 2088000000000001/);
  assert.match(list.text, /waiting for traffic/);

  const pay = payParams();
  await call(t.app, pay);
  const after = await session.get('/cases');
  assert.match(after.text, /1 of 11 passed/);
  const detail = await session.get(`/cases/pay-success?partner=${PARTNER}`);
  assert.equal(detail.status, 200);
  assert.match(detail.text, /was answered SUCCESS/);
  const [logged] = (await request(t.app).get('/api/requests').query({ partner_trans_id: pay.partner_trans_id })).body.items;
  assert.match(detail.text, new RegExp(`href="/requests/${logged.id as string}"`));
  assert.match(detail.text, /<h2 class="tool-card-title">Steps<\/h2>/);

  const reset = await session.post('/cases/pay-success/reset', { partner: PARTNER });
  assert.equal(reset.status, 303);
  assert.match((await session.follow(reset)).text, /0 of 11 passed/);
});

test('the clock button ends a quiet minute: a FAILED pay left alone passes', async () => {
  await session.post('/cases/pay-failed/start', { partner: PARTNER });
  assert.equal((await call(t.app, payParams())).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  assert.match((await session.get(`/cases/pay-failed?partner=${PARTNER}`)).text, /waiting for traffic/);
  const moved = await session.post('/cases/clock', { partner: PARTNER, back: `/cases/pay-failed?partner=${PARTNER}` });
  const detail = await session.follow(moved);
  assert.match(detail.text, /The clock of 2088000000000001 is now/);
  assert.match(detail.text, /badge good">passed/);
  await request(t.app).post('/api/clock').send({ partner: PARTNER, reset: true }).expect(200);
});

test('a form without its CSRF token is refused; an unknown partner or case is a 404 page, escaped', async () => {
  const forged = await request(t.app).post('/cases/pay-success/start').type('form').send({ partner: PARTNER });
  assert.equal(forged.status, 403);
  const stranger = await session.get(`/cases?partner=${encodeURIComponent(NASTY)}`);
  assert.equal(stranger.status, 404);
  assertEscaped(stranger.text);
  assert.equal((await session.get(`/cases/nope?partner=${PARTNER}`)).status, 404);
  const posted = await session.post('/cases/nope/start', { partner: PARTNER });
  assert.equal(posted.status, 404);
  const foreign = await request(t.app).post('/cases/pay-success/start').set('Origin', 'null').type('form').send({ partner: PARTNER });
  assert.equal(foreign.status, 403);
  assert.match(foreign.text, /Form expired/);
  const away = await session.post('/cases/gbk-charset/start', { partner: PARTNER, back: '//evil.example/' });
  assert.equal(away.location, `/cases?partner=${PARTNER}`);
});

test('a form from this page in Chromium (Origin: null under Referrer-Policy: no-referrer, Sec-Fetch-Site: same-origin) is taken', async () => {
  await session.get('/cases');
  const res = await session.post('/cases/gbk-charset/start', { partner: PARTNER }, { Origin: 'null', 'Sec-Fetch-Site': 'same-origin' });
  assert.equal(res.status, 303);
  const other = await session.post('/cases/gbk-charset/start', { partner: PARTNER }, { Origin: 'null', 'Sec-Fetch-Site': 'cross-site' });
  assert.equal(other.status, 403);
});
