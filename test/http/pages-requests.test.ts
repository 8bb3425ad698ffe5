import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, encodeForm, payParams, rawCall, signed } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';
import { timeInputValue } from '../../src/http/pages/request-format.ts';

let t: TestApp;
after(() => t.close());

const CANCEL = 'alipay.acquire.cancel';
const PAY = 'alipay.acquire.overseas.spot.pay';
const STRANGER = '2088999999999999';

/** the log-entry links of a list page, in order */
function entryIds(html: string): string[] {
  return [...html.matchAll(/<a href="\/requests\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
}

async function idsOf(browser: PageSession, query: string): Promise<string[]> {
  const page = await browser.get(`/requests${query}`);
  assert.equal(page.status, 200, page.text);
  return entryIds(page.text);
}

let ok: { id: string; tradeId: string };
let cancelled: string;
let failed: string;
let rejected: string;
const browser = () => new PageSession(t.app);

before(async () => {
  t = await createTestApp();
  const pay = payParams();
  await call(t.app, pay);
  await call(t.app, { service: CANCEL, out_trade_no: pay.partner_trans_id!, timestamp: '1' });
  await call(t.app, payParams({ trans_amount: '9902' }));
  await rawCall(t.app, { body: encodeForm(signed({ ...payParams(), partner: STRANGER })), contentType: 'application/x-www-form-urlencoded' });
  await t.ctx.flush();
  const [r, f, c, o] = await t.ctx.stores.requestLog.list({});
  rejected = r!.id;
  failed = f!.id;
  cancelled = c!.id;
  ok = { id: o!.id, tradeId: pay.partner_trans_id! };
});

test('the log lists every request, newest first, with outcome and rule', async () => {
  const page = await browser().get('/requests');
  assert.equal(page.status, 200);
  assert.deepEqual(entryIds(page.text), [rejected, failed, cancelled, ok.id]);
  assert.match(page.text, /is_success=F · ILLEGAL_PARTNER/);
  assert.match(page.text, /FAILED · BUYER_BALANCE_NOT_ENOUGH/);
  assert.match(page.text, /href="\/rules\/pay-9902-balance-not-enough"/);
  assert.match(page.text, /<span title="alipay.acquire.cancel">cancel<\/span>/);
  // how much of the log is kept (the default of a test app)
  assert.match(page.text, /Kept: the newest 100,000 requests, none older than 24 hours/);
});

test('search by service, partner, partner_trans_id (cancels by out_trade_no), outcome and time', async () => {
  const b = browser();
  assert.deepEqual(await idsOf(b, `?service=${CANCEL}`), [cancelled]);
  assert.deepEqual(await idsOf(b, `?partner=${STRANGER}`), [rejected]);
  assert.deepEqual(await idsOf(b, `?partner=${PARTNER}&service=${PAY}`), [failed, ok.id]);
  assert.deepEqual(await idsOf(b, `?partner_trans_id=${ok.tradeId}`), [cancelled, ok.id]);
  assert.deepEqual(await idsOf(b, '?outcome=success'), [cancelled, ok.id]);
  assert.deepEqual(await idsOf(b, '?outcome=business_failure'), [failed]);
  assert.deepEqual(await idsOf(b, '?outcome=gateway_error'), [rejected]);
  // the log's times are the mock's clock (the test app's stands still at t.time.ms)
  const hour = 3600_000;
  const from = encodeURIComponent(timeInputValue(new Date(t.time.ms - hour)));
  const to = encodeURIComponent(timeInputValue(new Date(t.time.ms + hour)));
  assert.deepEqual(await idsOf(b, `?from=${from}&to=${to}`), [rejected, failed, cancelled, ok.id]);
  assert.deepEqual(await idsOf(b, `?from=${to}`), []);
  assert.deepEqual(await idsOf(b, `?to=${from}`), []);
  assert.deepEqual(await idsOf(b, `?from=${new Date(t.time.ms - hour).toISOString()}`), [rejected, failed, cancelled, ok.id]);
  const empty = await b.get(`/requests?service=${CANCEL}&outcome=gateway_error`);
  assert.match(empty.text, /No request matches this search/);
  assert.match(empty.text, /<option value="gateway_error" selected>/);
});

test('a bad filter re-renders with the message beside the field', async () => {
  const page = await browser().get(`/requests?from=yesterday&outcome=${encodeURIComponent(NASTY)}&partner=${encodeURIComponent(NASTY)}`);
  assert.equal(page.status, 400);
  assert.match(page.text, /id="from-error"/);
  assert.match(page.text, /id="outcome-error"/);
  assertEscaped(page.text);
});

test('pagination: older and newer pages by cursor', async () => {
  const t2 = await createTestApp();
  try {
    for (let i = 0; i < 55; i++) await call(t2.app, payParams({ trans_amount: '1.00' }));
    await t2.ctx.flush();
    const all = (await t2.ctx.stores.requestLog.list({ limit: 100 })).map((e) => e.id);
    const b = new PageSession(t2.app);
    const first = await b.get('/requests');
    assert.deepEqual(entryIds(first.text), all.slice(0, 50));
    assert.doesNotMatch(first.text, /Newer/);
    const older = /href="([^"]+)">Older/.exec(first.text)![1]!.replaceAll('&amp;', '&');
    assert.equal(older, `/requests?before=${all[49]}`);
    const second = await b.get(older);
    assert.deepEqual(entryIds(second.text), all.slice(50));
    assert.doesNotMatch(second.text, /Older/);
    const newer = /href="([^"]+)">← Newer/.exec(second.text)![1]!.replaceAll('&amp;', '&');
    const back = await b.get(newer);
    assert.deepEqual(entryIds(back.text), all.slice(0, 50));
    const filtered = await b.get(`/requests?service=${PAY}&before=${all[9]}`);
    assert.deepEqual(entryIds(filtered.text), all.slice(10, 55).slice(0, 45));
    assert.match(filtered.text, /service=alipay.acquire.overseas.spot.pay&amp;after=/);
  } finally {
    await t2.close();
  }
});

test('the detail of an answered request: params, signed string, answer, rule, latency', async () => {
  const page = await browser().get(`/requests/${failed}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /Rule <a class="mono" href="\/rules\/pay-9902-balance-not-enough">/);
  assert.match(page.text, /<td class="mono">trans_amount<\/td><td class="mono tool-break">9902<\/td>/);
  assert.match(page.text, /_input_charset=utf-8&amp;alipay_seller_id=/);
  assert.match(page.text, /&lt;error&gt;BUYER_BALANCE_NOT_ENOUGH&lt;\/error&gt;/);
  assert.match(page.text, /Signature verified/);
  assert.match(page.text, /\d ms</);
  assert.ok(page.text.includes(`href="/rules/new?fromRequest=${failed}"`), 'make a rule from it');
  assert.ok(page.text.includes(`href="/simulate?fromRequest=${failed}"`), 'send it again');
});

test('the detail of a request no rule answered: the nearest rules and what they missed', async () => {
  const page = await browser().get(`/requests/${ok.id}`);
  assert.match(page.text, /No rule answered this request/);
  assert.match(page.text, /Nearest rules/);
  assert.match(page.text, /<code>trans_amount eq 9901<\/code> — the request had <code>10.00<\/code>/);
  assert.match(page.text, /href="\/rules\/pay-9901-system-error"/);
  assert.ok(page.text.includes(`href="/trades/${PARTNER}/${ok.tradeId}"`), 'links to its trade');
  const refused = await browser().get(`/requests/${rejected}`);
  assert.match(refused.text, /refused this request \(ILLEGAL_PARTNER\) before any rule/);
  assert.match(refused.text, /Not signed/);
});

test('an unknown id is a 404 page', async () => {
  const page = await browser().get('/requests/no-such-id');
  assert.equal(page.status, 404);
  assert.match(page.text, /no request no-such-id/);
});

test('NASTY in logged values is escaped in the list and the detail', async () => {
  const params = payParams({ trans_name: NASTY, partner_trans_id: `N${Date.now()}`, memo: NASTY });
  await call(t.app, { ...params, [NASTY]: NASTY });
  await call(t.app, { service: NASTY, partner_trans_id: NASTY });
  await rawCall(t.app, { query: encodeForm({ partner: NASTY, service: NASTY, partner_trans_id: NASTY }) });
  await t.ctx.flush();
  const list = await browser().get('/requests');
  assertEscaped(list.text);
  assert.ok(list.text.includes('&lt;script&gt;alert'));
  for (const id of entryIds(list.text).slice(0, 3)) {
    const page = await browser().get(`/requests/${id}`);
    assert.equal(page.status, 200);
    assertEscaped(page.text);
  }
  assertEscaped((await browser().get(`/requests?partner_trans_id=${encodeURIComponent(NASTY)}&service=${encodeURIComponent(NASTY)}`)).text);
});
