import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, encodeForm, payParams, rawCall, signed } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

async function payAs(partner: string, key: string) {
  const params = signed({ ...payParams(), partner, alipay_seller_id: partner }, { key });
  return rawCall(t.app, { body: encodeForm(params), contentType: 'application/x-www-form-urlencoded' });
}

test('the page lists partners with their keys and a copy button', async () => {
  const page = await new PageSession(t.app).get('/partners');
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`<code id="partner-key-0" class="tool-break">${KEY}</code>`));
  assert.match(page.text, /data-copy="partner-key-0"/);
  assert.ok(page.text.includes(`action="/partners/${PARTNER}/key"`));
  assert.match(page.text, /data-confirm="Generate a new key for partner 2088000000000001\?/);
  assert.match(page.text, /data-confirm="Replace the key of partner 2088000000000001\?/);
});

test('add a partner with a generated key, then with a typed one; the gateway knows them at once', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  const added = await browser.post('/partners', { id: '2088000000000002', key: '' });
  assert.deepEqual([added.status, added.location], [303, '/partners']);
  const list = await browser.follow(added);
  assert.match(list.text, /Partner 2088000000000002 added with a generated key/);
  const generated = t.ctx.partners.get('2088000000000002')!.key;
  assert.match(generated, /^[0-9a-z]{32}$/);
  assert.ok(list.text.includes(generated));
  assert.equal((await payAs('2088000000000002', generated)).fields.result_code, 'SUCCESS');

  const typed = await browser.post('/partners', { id: '2088000000000003', key: 'my-own-key' });
  assert.equal(typed.status, 303);
  assert.equal(t.ctx.partners.get('2088000000000003')?.key, 'my-own-key');
  assert.match((await browser.follow(typed)).text, /Partner 2088000000000003 added\./);
});

test('bad input re-renders the form with 400, the values kept and the message beside the field', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  const bad = await browser.post('/partners', { id: '2088-1', key: 'has a space' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /value="2088-1"/);
  assert.match(bad.text, /value="has a space"/);
  assert.match(bad.text, /<p class="field-error" id="id-error">A partner id is 16 digits/);
  assert.match(bad.text, /<p class="field-error" id="key-error">A key is 1 to 64 printable ASCII/);
  const long = await browser.post('/partners', { id: '2088000000000009', key: 'k'.repeat(65) });
  assert.equal(long.status, 400);
  assert.equal(t.ctx.partners.get('2088000000000009'), undefined);
  const twice = await browser.post('/partners', { id: PARTNER, key: '' });
  assert.equal(twice.status, 400);
  assert.match(twice.text, /exists already/);
  assert.equal(t.ctx.partners.get(PARTNER)?.key, KEY);
});

test('generate a new key: the old one stops working', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  await browser.post('/partners', { id: '2088000000000004', key: 'old-key' });
  const res = await browser.post('/partners/2088000000000004/key', { action: 'generate' });
  assert.deepEqual([res.status, res.location], [303, '/partners']);
  assert.match((await browser.follow(res)).text, /Partner 2088000000000004 has a new key/);
  const key = t.ctx.partners.get('2088000000000004')!.key;
  assert.notEqual(key, 'old-key');
  assert.equal((await payAs('2088000000000004', 'old-key')).error, 'ILLEGAL_SIGN');
  assert.equal((await payAs('2088000000000004', key)).fields.result_code, 'SUCCESS');
});

test('replace a key with a typed one; a bad one re-renders beside that partner', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  await browser.post('/partners', { id: '2088000000000005', key: '' });
  const res = await browser.post('/partners/2088000000000005/key', { action: 'replace', key: ' typed-key-123 ' });
  assert.equal(res.status, 303);
  assert.equal(t.ctx.partners.get('2088000000000005')?.key, 'typed-key-123');
  assert.match((await browser.follow(res)).text, /The key of partner 2088000000000005 was replaced/);

  const bad = await browser.post('/partners/2088000000000005/key', { action: 'replace', key: 'no spaces please' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /value="no spaces please" class="invalid" aria-describedby="replaceKey-error"/);
  assert.match(bad.text, /id="replaceKey-error">A key is 1 to 64/);
  assert.equal(t.ctx.partners.get('2088000000000005')?.key, 'typed-key-123');
  const empty = await browser.post('/partners/2088000000000005/key', { action: 'replace', key: '' });
  assert.equal(empty.status, 400);
  const unknown = await browser.post('/partners/2088777777777777/key', { action: 'generate' });
  assert.equal(unknown.status, 404);
  assert.equal(t.ctx.partners.get('2088777777777777'), undefined);
});

test('forms without the CSRF token are refused', async () => {
  const plain = await request(t.app).post('/partners').type('form').send('id=2088000000000006');
  assert.equal(plain.status, 403);
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  const forged = await browser.post(`/partners/${PARTNER}/key`, { _csrf: 'nope', action: 'generate' });
  assert.equal(forged.status, 403);
  assert.equal(t.ctx.partners.get(PARTNER)?.key, KEY);
  assert.equal(t.ctx.partners.get('2088000000000006'), undefined);
});

test('NASTY typed in every field, and as a key, is escaped', async () => {
  const browser = new PageSession(t.app);
  await browser.get('/partners');
  const add = await browser.post('/partners', { id: NASTY, key: NASTY });
  assert.equal(add.status, 400);
  assertEscaped(add.text);
  const replace = await browser.post(`/partners/${PARTNER}/key`, { action: 'replace', key: NASTY });
  assert.equal(replace.status, 400);
  assertEscaped(replace.text);
  const action = await browser.post(`/partners/${PARTNER}/key`, { action: NASTY, key: NASTY });
  assertEscaped(action.text);
  // a key may hold markup (printable ASCII, no spaces): it is shown escaped
  const markup = '<script>alert("x")</script>';
  const saved = await browser.post('/partners', { id: '2088000000000007', key: markup });
  assert.equal(saved.status, 303);
  const list = await browser.follow(saved);
  assertEscaped(list.text);
  assert.ok(list.text.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.equal((await call(t.app, payParams())).fields.result_code, 'SUCCESS');
});
