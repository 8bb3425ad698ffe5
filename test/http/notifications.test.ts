import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import request from 'supertest';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { NASTY, PageSession, assertEscaped } from '../helpers/pages.ts';

interface Received {
  path: string;
  contentType: string;
  params: Record<string, string>;
}

let t: TestApp;
let server: Server;
let base: string;
const received: Received[] = [];
/** path → the answers still to give, in order; afterwards `success` */
const scripts = new Map<string, string[]>();

/** a form body decoded in the charset its Content-Type names, as a merchant's framework would */
function decodeForm(body: Buffer, contentType: string): Record<string, string> {
  const charset = /charset=([^;]+)/i.exec(contentType)?.[1]?.trim() ?? 'utf-8';
  const out: Record<string, string> = {};
  for (const pair of body.toString('latin1').split('&')) {
    const [name, value = ''] = pair.split('=');
    const bytes = (s: string) => Buffer.from(s.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    out[iconv.decode(bytes(name!), charset)] = iconv.decode(bytes(value), charset);
  }
  return out;
}

function verify(params: Record<string, string>, charset: string): boolean {
  const text = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type' && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return createHash('md5').update(iconv.encode(text + KEY, charset)).digest('hex') === params.sign;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

before(async () => {
  t = await createTestApp({ notify: { notifyIntervalMs: 30, notifyRetryDelaysMs: [100] } });
  server = createServer((req, res) => {
    void readAll(req).then((body) => {
      const contentType = String(req.headers['content-type']);
      received.push({ path: req.url ?? '', contentType, params: decodeForm(body, contentType) });
      const answer = scripts.get(req.url ?? '')?.shift() ?? 'success';
      res.writeHead(200, { 'content-type': 'text/plain' }).end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await t.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** what the receiver got on `path`, once `count` requests have arrived there */
const receivedAt = (path: string, count = 1) =>
  waitFor(`${count} notification(s) at ${path}`, async () => {
    const hits = received.filter((r) => r.path === path);
    return hits.length >= count ? hits : undefined;
  });

async function notificationsOf(partnerTransId: string) {
  const res = await request(t.app).get(`/api/notifications?partner_trans_id=${encodeURIComponent(partnerTransId)}`).expect(200);
  return res.body.items as Array<Record<string, unknown> & { params: Record<string, string> }>;
}

const delivered = (partnerTransId: string, count = 1) =>
  waitFor(`${count} delivered notification(s) of ${partnerTransId}`, async () => {
    const items = (await notificationsOf(partnerTransId)).filter((n) => n.status === 'delivered');
    return items.length >= count ? items : undefined;
  });

test('a pay with notify_url is notified once, signed, in UTF-8', async () => {
  const pay = payParams({ notify_url: `${base}/paid` });
  const answer = await call(t.app, pay);
  assert.equal(answer.fields.result_code, 'SUCCESS');
  const [hit] = await receivedAt('/paid');
  assert.match(hit!.contentType, /^application\/x-www-form-urlencoded; charset=UTF-8$/);
  const p = hit!.params;
  assert.equal(p.notify_type, 'trade_status_sync');
  assert.equal(p.notify_action_type, 'payByAccountAction');
  assert.equal(p.trade_status, 'TRADE_SUCCESS');
  assert.equal(p.out_trade_no, pay.partner_trans_id);
  assert.equal(p.trade_no, answer.fields.alipay_trans_id);
  assert.equal(p.total_fee, '10.00');
  assert.equal(p.notify_time, '2024-01-01 12:00:03');
  assert.ok(verify(p, 'utf-8'));
  const [item] = await delivered(pay.partner_trans_id!);
  assert.equal(item!.event, 'paid');
  assert.equal(item!.attempts, 1);
  assert.equal(item!.last_status, 200);
  assert.equal(received.filter((r) => r.path === '/paid').length, 1);
});

test('a pay without notify_url queues nothing', async () => {
  const pay = payParams();
  await call(t.app, pay);
  assert.deepEqual(await notificationsOf(pay.partner_trans_id!), []);
});

test('a GBK pay is notified in GBK, signed over GBK bytes', async () => {
  const pay = payParams({ notify_url: `${base}/gbk`, trans_name: '咖啡一杯' });
  await call(t.app, pay, { charset: 'gbk' });
  const [hit] = await receivedAt('/gbk');
  assert.match(hit!.contentType, /charset=GBK$/);
  assert.equal(hit!.params.subject, '咖啡一杯');
  assert.ok(verify(hit!.params, 'gbk'));
  assert.ok(!verify(hit!.params, 'utf-8'));
});

test('a refund is notified as refunded, a cancel as a reversal', async () => {
  const pay = payParams({ notify_url: `${base}/trade` });
  const id = pay.partner_trans_id!;
  await call(t.app, pay);
  await call(t.app, { service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: id, partner_refund_id: `R${id}`, refund_amount: '3.00', currency: 'USD' });
  await call(t.app, { service: 'alipay.acquire.cancel', out_trade_no: id, timestamp: String(Date.now()) });
  const hits = await receivedAt('/trade', 3);
  const byAction = new Map(hits.map((h) => [h.params.notify_action_type, h.params]));
  const refund = byAction.get('refundFPAction')!;
  assert.equal(refund.out_request_no, `R${id}`);
  assert.equal(refund.refund_amount, '3.00');
  assert.equal(refund.refund_status, 'REFUND_SUCCESS');
  assert.equal(refund.trade_status, 'TRADE_SUCCESS');
  const reversal = byAction.get('reverseAction')!;
  assert.equal(reversal.trade_status, 'TRADE_CLOSED');
  for (const h of hits) assert.ok(verify(h.params, 'utf-8'));
  const events = (await delivered(id, 3)).map((n) => n.event).sort();
  assert.deepEqual(events, ['closed', 'paid', 'refunded']);
});

test('a pending pay (9906) is notified when the second query settles it', async () => {
  const pay = payParams({ trans_amount: '9906', notify_url: `${base}/pending` });
  const id = pay.partner_trans_id!;
  assert.equal((await call(t.app, pay)).fields.result_code, 'UNKNOW');
  await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: id });
  assert.deepEqual(await notificationsOf(id), []);
  await call(t.app, { service: 'alipay.acquire.overseas.query', partner_trans_id: id });
  const [hit] = await receivedAt('/pending');
  assert.equal(hit!.params.trade_status, 'TRADE_SUCCESS');
  assert.equal(hit!.params.notify_action_type, 'payByAccountAction');
});

test('a merchant that does not answer success is retried', async () => {
  scripts.set('/flaky', ['fail']);
  const pay = payParams({ notify_url: `${base}/flaky` });
  await call(t.app, pay);
  const [item] = await delivered(pay.partner_trans_id!);
  assert.equal(item!.attempts, 2);
  const hits = await receivedAt('/flaky', 2);
  assert.equal(hits[0]!.params.notify_id, hits[1]!.params.notify_id);
  // the retry overwrote the last answer; the first attempt is kept as it was (a test case judges it)
  const [stored] = await t.ctx.stores.notifications.list({ partnerTransId: pay.partner_trans_id! });
  assert.deepEqual([stored!.lastBody, stored!.firstAttempt?.delivered, stored!.firstAttempt?.status, stored!.firstAttempt?.body], ['success', false, 200, 'fail']);
});

test('resend through the API sends it again; an unknown id is 404', async () => {
  const pay = payParams({ notify_url: `${base}/again` });
  await call(t.app, pay);
  const [item] = await delivered(pay.partner_trans_id!);
  const res = await request(t.app).post(`/api/notifications/${item!.id as string}/resend`).expect(200);
  assert.equal(res.body.status, 'pending');
  await receivedAt('/again', 2);
  await request(t.app).post('/api/notifications/nope/resend').expect(404);
  await request(t.app).get('/api/notifications?status=bogus').expect(400);
});

test('a URL that is not http(s) fails at once; the page escapes it and resends from a form', async () => {
  const pay = payParams({ notify_url: `javascript:${NASTY}` });
  await call(t.app, pay);
  const [item] = await waitFor('the failed notification', async () => {
    const items = (await notificationsOf(pay.partner_trans_id!)).filter((n) => n.status === 'failed');
    return items.length > 0 ? items : undefined;
  });
  assert.match(String(item!.last_error), /only http and https/);

  const session = new PageSession(t.app);
  const list = await session.get(`/notifications?partner=${PARTNER}&status=failed`);
  assert.equal(list.status, 200);
  assertEscaped(list.text);
  assert.ok(list.text.includes(pay.partner_trans_id!));
  assert.ok(list.text.includes('only http and https'));
  // never offered again from the page: it can never be delivered
  assert.ok(!list.text.includes(`action="/notifications/${item!.id as string}/resend"`));
  assert.ok(list.text.includes('not an http(s) URL: cannot be sent'));
  // the POST still works for whoever sends it (the API has it too); a page with a form gives the CSRF token
  await session.get('/partners');
  const posted = await session.post(`/notifications/${item!.id as string}/resend`, {});
  assert.equal(posted.status, 303);
  const back = await session.follow(posted);
  assert.ok(back.text.includes('will be sent again'));
  const trade = await session.get(`/trades/${PARTNER}/${pay.partner_trans_id!}`);
  assert.equal(trade.status, 200);
  assertEscaped(trade.text);
  assert.ok(trade.text.includes('<h2>Notifications</h2>'));
});
