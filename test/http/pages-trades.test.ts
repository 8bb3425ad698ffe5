import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

let t: TestApp;
after(() => t.close());

const REFUND = 'alipay.acquire.overseas.spot.refund';
const CANCEL = 'alipay.acquire.cancel';

let paid: string;
let refunded: string;
let cancelled: string;
let yen: string;
let waiting: string;

before(async () => {
  t = await createTestApp();
  paid = payParams().partner_trans_id!;
  await call(t.app, payParams({ partner_trans_id: paid, trans_amount: '12.5' }));
  t.time.ms += 1000;
  refunded = payParams().partner_trans_id!;
  await call(t.app, payParams({ partner_trans_id: refunded, trans_amount: '10.00' }));
  await call(t.app, {
    service: REFUND, partner_trans_id: refunded, partner_refund_id: `R${refunded}`, refund_amount: '3.00', currency: 'USD', refund_reason: 'broken cup',
  });
  t.time.ms += 60_000;
  await call(t.app, { service: REFUND, partner_trans_id: refunded, partner_refund_id: `R2${refunded}`, refund_amount: '7.00', currency: 'USD' });
  t.time.ms += 1000;
  cancelled = payParams().partner_trans_id!;
  await call(t.app, payParams({ partner_trans_id: cancelled }));
  await call(t.app, { service: CANCEL, out_trade_no: cancelled, timestamp: '1' });
  t.time.ms += 1000;
  yen = payParams().partner_trans_id!;
  await call(t.app, payParams({ partner_trans_id: yen, currency: 'JPY', trans_amount: '1500' }));
  t.time.ms += 1000;
  waiting = payParams().partner_trans_id!;
  await call(t.app, payParams({ partner_trans_id: waiting, trans_amount: '9907' }));
});

const tradeIds = (html: string) => [...html.matchAll(/<a href="\/trades\/\d{16}\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]!));

test('the list: every trade newest first, amounts as decimal strings, states as badges', async () => {
  const page = await new PageSession(t.app).get('/trades');
  assert.equal(page.status, 200);
  assert.deepEqual(tradeIds(page.text), [waiting, yen, cancelled, refunded, paid]);
  assert.match(page.text, /12\.50 <span class="muted">USD<\/span>/);
  assert.match(page.text, /1500 <span class="muted">JPY<\/span>/);
  assert.match(page.text, /<td class="num tool-nowrap">10\.00<\/td>/);
  assert.match(page.text, /badge warn">WAIT_BUYER_PAY/);
  assert.match(page.text, /badge off">TRADE_CLOSED/);
});

test('filters: partner, partner_trans_id and state (as the trade stands now)', async () => {
  const b = new PageSession(t.app);
  assert.deepEqual(tradeIds((await b.get(`/trades?partner_trans_id=${paid}`)).text), [paid]);
  assert.deepEqual(tradeIds((await b.get(`/trades?partner=${PARTNER}&state=TRADE_CLOSED`)).text), [cancelled, refunded]);
  assert.deepEqual(tradeIds((await b.get('/trades?state=TRADE_SUCCESS')).text), [yen, paid]);
  assert.deepEqual(tradeIds((await b.get('/trades?partner=2088999999999999')).text), []);
  const bad = await b.get(`/trades?state=${encodeURIComponent(NASTY)}&partner=${encodeURIComponent(NASTY)}`);
  assert.equal(bad.status, 400);
  assert.match(bad.text, /id="state-error"/);
  assertEscaped(bad.text);
});

test('the detail: fields, refunds and a timeline of what happened', async () => {
  const page = await new PageSession(t.app).get(`/trades/${PARTNER}/${refunded}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /<dt>Amount<\/dt><dd>10\.00 USD<\/dd>/);
  assert.match(page.text, /<dt>Refunded<\/dt><dd>10\.00 USD<\/dd>/);
  assert.match(page.text, /R(2)?T\d+/);
  assert.match(page.text, /broken cup/);
  const events = [...page.text.matchAll(/<strong>(Created|Paid|Refunded|Closed)<\/strong>/g)].map((m) => m[1]);
  assert.deepEqual(events, ['Created', 'Paid', 'Refunded', 'Refunded', 'Closed']);
  assert.match(page.text, /3\.00 USD · R/);
  assert.match(page.text, /refunded in full/);
  assert.ok(page.text.includes(`href="/requests?partner=${PARTNER}&amp;partner_trans_id=${refunded}"`));
  assert.ok(page.text.includes(`href="/simulate?service=${REFUND}&amp;partner=${PARTNER}&amp;partner_trans_id=${refunded}"`));
});

test('the detail of a cancelled trade says so; a waiting trade closes on the partner\u2019s clock', async () => {
  const b = new PageSession(t.app);
  const cancel = await b.get(`/trades/${PARTNER}/${cancelled}`);
  assert.match(cancel.text, /cancelled after it was paid: refunded in full/);
  const before = await b.get(`/trades/${PARTNER}/${waiting}`);
  assert.match(before.text, /badge warn">WAIT_BUYER_PAY/);
  assert.match(before.text, /<dt>Waiting<\/dt>/);
  const moved = t.ctx.clock;
  moved.set(PARTNER, 181_000);
  try {
    const later = await b.get(`/trades/${PARTNER}/${waiting}`);
    assert.match(later.text, /badge off">TRADE_CLOSED/);
    assert.match(later.text, /not paid in time/);
    assert.match(later.text, /181 s ahead of real time/);
  } finally {
    moved.set(PARTNER, null);
  }
});

test('an unknown trade is a 404 page; trade names are escaped', async () => {
  const b = new PageSession(t.app);
  const missing = await b.get(`/trades/${PARTNER}/${encodeURIComponent(NASTY)}`);
  assert.equal(missing.status, 404);
  assertEscaped(missing.text);
  const nasty = `X${Date.now()}`;
  await call(t.app, payParams({ partner_trans_id: nasty, trans_name: NASTY }));
  const list = await b.get('/trades');
  assertEscaped(list.text);
  assert.ok(list.text.includes('&lt;script&gt;alert'));
  const detail = await b.get(`/trades/${PARTNER}/${nasty}`);
  assertEscaped(detail.text);
  assert.ok(detail.text.includes('&lt;img src=x'));
  const paidNasty = await call(t.app, payParams({ partner_trans_id: NASTY }));
  assert.equal(paidNasty.fields.result_code, 'SUCCESS');
  assertEscaped((await b.get('/trades')).text);
  const nastyDetail = await b.get(`/trades/${PARTNER}/${encodeURIComponent(NASTY)}`);
  assert.equal(nastyDetail.status, 200);
  assertEscaped(nastyDetail.text);
});
