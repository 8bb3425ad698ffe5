import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
let server: Server;
/** within this helper's port range */
const PORT = 18211;
const base = `http://127.0.0.1:${PORT}`;

before(async () => {
  t = await createTestApp();
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/nope' ? 'fail <b>' : 'success'));
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

async function session(): Promise<PageSession> {
  const s = new PageSession(t.app);
  await s.get('/partners');
  return s;
}

test('notification URL: saved, refused with a message when not http(s), and a test notification shows the answer', async () => {
  const s = await session();
  const bad = await s.post(`/partners/${PARTNER}/notify-url`, { notifyUrl: `ftp://x/${NASTY}` });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /<p class="field-error" id="notifyUrl-error">A notification URL starts with http:\/\/ or https:\/\//);
  assertEscaped(bad.text);
  assert.equal(t.ctx.partners.get(PARTNER)?.notifyUrl ?? null, null);

  const saved = await s.post(`/partners/${PARTNER}/notify-url`, { notifyUrl: `${base}/ok` });
  assert.equal(saved.status, 303);
  const listed = await s.follow(saved);
  assert.match(listed.text, new RegExp(`value="${base}/ok"`));
  assert.match(listed.text, /Send a test notification/);

  const sent = await s.post(`/partners/${PARTNER}/test-notification`, {});
  assert.equal(sent.status, 200);
  assert.match(sent.text, /<strong>Delivered<\/strong> to <span class="mono tool-break">http:\/\/127\.0\.0\.1:18211\/ok<\/span>: HTTP 200/);
  assert.match(sent.text, /notify_type=trade_status_sync/);

  await s.post(`/partners/${PARTNER}/notify-url`, { notifyUrl: `${base}/nope` });
  const refused = await s.post(`/partners/${PARTNER}/test-notification`, {});
  assert.match(refused.text, /<strong>Not delivered<\/strong>.*HTTP 200 — answered 200 without &quot;success&quot;/);
  assert.match(refused.text, /fail &lt;b&gt;/);

  const cleared = await s.post(`/partners/${PARTNER}/notify-url`, { notifyUrl: '' });
  assert.equal(cleared.status, 303);
  assert.equal(t.ctx.partners.get(PARTNER)?.notifyUrl, null);
});

test("a partner's clock moves forward from the page and back to real time", async () => {
  const s = await session();
  const bad = await s.post(`/partners/${PARTNER}/clock`, { action: 'advance', minutes: 'soon' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /<p class="field-error" id="minutes-error">Write a whole number of minutes/);
  const moved = await s.post(`/partners/${PARTNER}/clock`, { action: 'advance', minutes: '30' });
  assert.equal(moved.status, 303);
  assert.equal(t.ctx.clock.offset(PARTNER), 30 * 60_000);
  const page = await s.follow(moved);
  assert.match(page.text, /moved 30 min forward: it is 2024-01-01 12:30:03 \(GMT\+8\) there/);
  assert.match(page.text, /Ahead by <strong>30 min<\/strong>/);
  const back = await s.post(`/partners/${PARTNER}/clock`, { action: 'reset' });
  assert.equal(back.status, 303);
  assert.equal(t.ctx.clock.offset(PARTNER), 0);
});

test('remove a partner after a confirmation page', async () => {
  const s = await session();
  const id = '2088000000000055';
  await s.post('/partners', { id, key: 'k55' });
  const confirm = await s.get(`/partners/${id}/remove`);
  assert.equal(confirm.status, 200);
  assert.match(confirm.text, /Remove partner <span class="mono">2088000000000055<\/span>\?/);
  assert.ok(t.ctx.partners.get(id), 'nothing removed by showing the page');
  const removed = await s.post(`/partners/${id}/remove`, {});
  assert.equal(removed.status, 303);
  assert.equal(t.ctx.partners.get(id), undefined);
  assert.match((await s.follow(removed)).text, /Partner 2088000000000055 was removed/);
  const seeded = await s.get(`/partners/${PARTNER}/remove`);
  assert.equal(seeded.status, 400);
  assert.ok(t.ctx.partners.get(PARTNER));
});

test('export, import, Postman and reset from the pages', async () => {
  const s = await session();
  await t.ctx.rules.create({ id: 'kept', service: 'alipay.acquire.overseas.spot.pay', when: [{ param: 'trans_amount', op: 'eq', value: '6' }], then: { type: 'gateway', error: 'SYSTEM_ERROR' } });
  const overview = await s.get('/');
  for (const href of ['/postman.json', '/export/rules.json', '/import', '/reset']) assert.ok(overview.text.includes(`href="${href}"`), href);

  const exported = await s.get('/export/rules.json');
  assert.match(exported.headers['content-disposition']!, /attachment; filename="mapi-mock-rules.json"/);
  const file = exported.text;
  assert.deepEqual(JSON.parse(file).rules.map((r: { id: string }) => r.id), ['kept']);

  const postman = await s.get(`/postman.json?partner=${PARTNER}`);
  assert.match(postman.headers['content-disposition']!, /attachment/);
  assert.equal(JSON.parse(postman.text).variable.find((v: { key: string }) => v.key === 'key').value, KEY);

  const confirm = await s.get('/reset');
  assert.match(confirm.text, /Reset the mock\?/);
  await call(t.app, payParams());
  const reset = await s.post('/reset', {});
  assert.equal(reset.status, 303);
  assert.equal(t.ctx.rules.get('kept'), undefined);
  assert.equal(await t.ctx.stores.trades.countTrades(), 0);

  await s.get('/import');
  const notJson = await s.post('/import', { rules: '{oops', mode: 'merge' });
  assert.equal(notJson.status, 400);
  assert.match(notJson.text, /That is not JSON/);
  const invalid = await s.post('/import', { rules: JSON.stringify([{ service: 'nope', then: { type: 'gateway', error: 'X' } }]), mode: 'merge' });
  assert.equal(invalid.status, 400);
  assert.match(invalid.text, /rules\.0\.service: must be one of/);
  const imported = await s.post('/import', { rules: file, mode: 'merge' });
  assert.equal(imported.status, 303);
  assert.ok(t.ctx.rules.get('kept'));
});
