import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, clientSign, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const PAY = 'alipay.acquire.overseas.spot.pay';
const REFUND = 'alipay.acquire.overseas.spot.refund';
const QUERY = 'alipay.acquire.overseas.query';
const CANCEL = 'alipay.acquire.cancel';

type Row = [string, string];

function unescapeHtml(text: string): string {
  return text.replace(/&(lt|gt|quot|#39|amp);/g, (_m, name: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[name]!);
}

/** the parameter rows of the Simulate form, as a browser would send them back */
function rowsOf(html: string): Row[] {
  const names = [...html.matchAll(/name="param_name" value="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
  const values = [...html.matchAll(/name="param_value" value="([^"]*)"/g)].map((m) => unescapeHtml(m[1]!));
  return names.map((name, i) => [name, values[i] ?? '']);
}

function form(rows: Row[], extra: Record<string, string> = {}): Record<string, string | string[]> {
  return {
    service: PAY,
    partner: PARTNER,
    charset: 'utf-8',
    method: 'POST',
    action: 'send',
    ...extra,
    param_name: rows.map(([name]) => name),
    param_value: rows.map(([, value]) => value),
  };
}

function set(rows: Row[], name: string, value: string): Row[] {
  return rows.some(([n]) => n === name) ? rows.map(([n, v]) => [n, n === name ? value : v]) : [...rows, [name, value]];
}

const valueOf = (rows: Row[], name: string) => rows.find(([n]) => n === name)?.[1];

async function samplePay(browser: PageSession): Promise<Row[]> {
  const page = await browser.get('/simulate?service=pay');
  assert.equal(page.status, 200);
  return rowsOf(page.text);
}

test('the page offers a valid pay sample with a fresh partner_trans_id', async () => {
  const browser = new PageSession(t.app);
  const first = await samplePay(browser);
  const second = await samplePay(browser);
  assert.equal(valueOf(first, 'service'), PAY);
  assert.equal(valueOf(first, 'partner'), PARTNER);
  assert.equal(valueOf(first, 'sign_type'), 'MD5');
  assert.equal(valueOf(first, 'sign'), '');
  assert.match(valueOf(first, 'partner_trans_id')!, /^SIM\d{18}$/);
  assert.notEqual(valueOf(first, 'partner_trans_id'), valueOf(second, 'partner_trans_id'));
  assert.equal(valueOf(first, 'trans_create_time'), '20240101120003');
  const page = await browser.get('/simulate');
  for (const name of ['service', 'partner', 'charset', 'method']) assert.match(page.text, new RegExp(`name="${name}"`));
  assert.match(page.text, /<option value="GBK"/);
  assert.match(page.text, /<option value="GET"/);
});

test('a pay sent from the page: SUCCESS, a verified signature, the signed string, curl, and a log entry', async () => {
  const browser = new PageSession(t.app);
  const rows = await samplePay(browser);
  const res = await browser.post('/simulate', form(rows));
  assert.equal(res.status, 200);
  assert.match(res.text, /badge good">SUCCESS</);
  assert.match(res.text, /Signature verified/);
  const params: Record<string, string> = { _input_charset: 'utf-8' };
  for (const [name, value] of rows) if (name !== 'sign' && name !== 'sign_type' && value !== '') params[name] = value;
  const signed = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join('&');
  assert.ok(res.text.includes(signed.replaceAll('&', '&amp;')), 'the signed string is shown');
  assert.ok(res.text.includes(clientSign(params, KEY, 'utf-8')), 'the signature is shown');
  assert.ok(res.text.includes(`curl &#39;http://127.0.0.1:`), 'curl points at the host the page was asked on');
  assert.match(res.text, /--data-raw &#39;service=alipay.acquire.overseas.spot.pay&amp;partner=2088000000000001&amp;/);
  assert.match(res.text, /&lt;result_code&gt;SUCCESS&lt;\/result_code&gt;/);
  assert.match(res.text, /No rule answered/);

  const link = /href="(\/requests\/[^"]+)"/.exec(res.text.slice(res.text.indexOf('Its entry in the request log') - 200));
  assert.ok(link, 'links to the log entry');
  const logged = await browser.get(link[1]!);
  assert.equal(logged.status, 200);
  assert.ok(logged.text.includes(valueOf(rows, 'partner_trans_id')!));
  const [entry] = await t.ctx.stores.requestLog.list({ partnerTransId: valueOf(rows, 'partner_trans_id')! });
  assert.equal(entry?.resultCode, 'SUCCESS');
  assert.equal(entry?.method, 'POST');
  assert.match(entry!.rawRequest, /^POST \/gateway\.do\?_input_charset=utf-8\n\nservice=/);
});

test('GET sends every parameter in the URL', async () => {
  const browser = new PageSession(t.app);
  const rows = await samplePay(browser);
  const res = await browser.post('/simulate', form(rows, { method: 'GET' }));
  assert.match(res.text, /badge good">SUCCESS</);
  assert.match(res.text, /curl &#39;http:\/\/127\.0\.0\.1:\d+\/gateway\.do\?_input_charset=utf-8&amp;service=/);
  const [entry] = await t.ctx.stores.requestLog.list({ partnerTransId: valueOf(rows, 'partner_trans_id')! });
  assert.equal(entry?.method, 'GET');
});

test('an amount a default rule answers shows the rule and links to it', async () => {
  const browser = new PageSession(t.app);
  const rows = set(await samplePay(browser), 'trans_amount', '9902');
  const res = await browser.post('/simulate', form(rows));
  assert.equal(res.status, 200);
  assert.match(res.text, /FAILED · BUYER_BALANCE_NOT_ENOUGH/);
  assert.match(res.text, /href="\/rules\/pay-9902-balance-not-enough"/);
  assert.match(res.text, /Signature verified/);
});

test('GBK with Chinese text: encoded and signed in GBK, answered SUCCESS', async () => {
  const browser = new PageSession(t.app);
  const rows = set(await samplePay(browser), 'trans_name', '咖啡 拿铁');
  const res = await browser.post('/simulate', form(rows, { charset: 'GBK' }));
  assert.match(res.text, /badge good">SUCCESS</);
  assert.match(res.text, /Signature verified/);
  assert.match(res.text, /trans_name=%BF%A7%B7%C8\+%C4%C3%CC%FA/);
  assert.ok(res.text.includes('trans_name=咖啡 拿铁'), 'the signed string holds the text');
  const [entry] = await t.ctx.stores.requestLog.list({ partnerTransId: valueOf(rows, 'partner_trans_id')! });
  assert.equal(entry?.charset, 'gbk');
  assert.equal(entry?.params.trans_name, '咖啡 拿铁');
});

test('a character GBK cannot encode is refused before sending', async () => {
  const browser = new PageSession(t.app);
  const rows = set(await samplePay(browser), 'trans_name', 'Coffee 😀');
  const res = await browser.post('/simulate', form(rows, { charset: 'GBK' }));
  assert.equal(res.status, 400);
  assert.match(res.text, /GBK cannot encode/);
  assert.ok(res.text.includes('value="Coffee 😀"'));
});

test('a typed sign is sent as typed: ILLEGAL_SIGN, and the page says what the key gives', async () => {
  const browser = new PageSession(t.app);
  const rows = set(await samplePay(browser), 'sign', '0123456789abcdef0123456789abcdef');
  const res = await browser.post('/simulate', form(rows));
  assert.match(res.text, /is_success=F · ILLEGAL_SIGN/);
  assert.match(res.text, /Not signed/);
  assert.match(res.text, /badge warn">typed/);
  assert.match(res.text, /Signature sent: <code id="sim-sign">0123456789abcdef0123456789abcdef/);
});

test('rows are added and removed without JavaScript', async () => {
  const browser = new PageSession(t.app);
  const rows = await samplePay(browser);
  const added = await browser.post('/simulate', form(rows, { action: 'add' }));
  assert.equal(added.status, 200);
  const withBlank = rowsOf(added.text);
  assert.equal(withBlank.filter(([name]) => name === '').length, 2);
  const memo = withBlank.map(([n, v], i): Row => (i === rows.length ? ['memo', 'hello'] : [n, v]));
  const index = memo.findIndex(([name]) => name === 'quantity');
  const removed = await browser.post('/simulate', form(memo, { action: `remove-${index}` }));
  const left = rowsOf(removed.text);
  assert.equal(valueOf(left, 'quantity'), undefined);
  assert.equal(valueOf(left, 'memo'), 'hello');
  const sent = await browser.post('/simulate', form(left));
  assert.match(sent.text, /badge good">SUCCESS</);
  assert.ok(sent.text.includes('memo=hello'));
});

test('refund, query and cancel samples refer to the partner\u2019s latest paid trade', async () => {
  // the clock stands still in tests: move it, so that this pay is the latest
  t.time.ms += 60_000;
  const pay = payParams({ trans_amount: '12.50' });
  await call(t.app, pay);
  const browser = new PageSession(t.app);
  const refund = rowsOf((await browser.get(`/simulate?service=${REFUND}`)).text);
  assert.equal(valueOf(refund, 'partner_trans_id'), pay.partner_trans_id);
  assert.equal(valueOf(refund, 'refund_amount'), '12.50');
  assert.match(valueOf(refund, 'partner_refund_id')!, /^RSIM\d{18}$/);
  const query = rowsOf((await browser.get(`/simulate?service=${QUERY}`)).text);
  assert.equal(valueOf(query, 'partner_trans_id'), pay.partner_trans_id);
  const cancel = rowsOf((await browser.post('/simulate', form([], { service: CANCEL, action: 'load' }))).text);
  assert.equal(valueOf(cancel, 'out_trade_no'), pay.partner_trans_id);
  assert.equal(valueOf(cancel, 'service'), CANCEL);

  const refunded = await browser.post('/simulate', form(set(refund, 'refund_amount', '2.50'), { service: REFUND }));
  assert.match(refunded.text, /badge good">SUCCESS</);
  const queried = await browser.post('/simulate', form(query, { service: QUERY }));
  assert.match(queried.text, /TRADE_SUCCESS/);
});

test('a logged request can be loaded again, its sign cleared', async () => {
  const pay = payParams();
  await call(t.app, pay);
  await t.ctx.flush();
  const [entry] = await t.ctx.stores.requestLog.list({ partnerTransId: pay.partner_trans_id! });
  const browser = new PageSession(t.app);
  const page = await browser.get(`/simulate?fromRequest=${entry!.id}`);
  const rows = rowsOf(page.text);
  assert.equal(valueOf(rows, 'partner_trans_id'), pay.partner_trans_id);
  assert.equal(valueOf(rows, 'sign'), '');
  assert.equal(valueOf(rows, '_input_charset'), undefined);
  assert.match(page.text, /Loaded from the request log/);
});

test('NASTY as parameter names and values never reaches the page unescaped', async () => {
  const browser = new PageSession(t.app);
  const rows: Row[] = [...set(await samplePay(browser), 'trans_name', NASTY), [NASTY, NASTY]];
  const added = await browser.post('/simulate', form(rows, { action: 'add', partner: NASTY, service: NASTY, charset: NASTY, method: NASTY }));
  assertEscaped(added.text);
  const res = await browser.post('/simulate', form(rows));
  assert.equal(res.status, 200);
  assertEscaped(res.text);
  assert.match(res.text, /badge good">SUCCESS</);
  const entry = /href="(\/requests\/[^"]+)">Its entry/.exec(res.text);
  const logged = await browser.get(entry![1]!);
  assertEscaped(logged.text);
  assert.ok(logged.text.includes('&lt;script&gt;alert'));
  const typedSign = await browser.post('/simulate', form(set(rows, 'sign', NASTY)));
  assertEscaped(typedSign.text);
});

test('a form without the CSRF token is refused', async () => {
  const res = await request(t.app).post('/simulate').type('form').send('action=send&service=x');
  assert.equal(res.status, 403);
  const browser = new PageSession(t.app);
  await browser.get('/simulate');
  const forged = await browser.post('/simulate', { _csrf: 'forged', action: 'send' });
  assert.equal(forged.status, 403);
});
