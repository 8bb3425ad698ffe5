// Whatever arrives, the gateway answers well-formed XML and stays up: random bytes, random escapes, random
// content types, random parameter soups, signed and not. A seeded generator keeps every run the same.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLValidator } from 'fast-xml-parser';
import iconv from 'iconv-lite';
import request from 'supertest';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { encodeForm, payParams, signed } from '../helpers/mapi.ts';
import { FuzzCases, prng } from '../../bench/fuzz-cases.ts';
import { checkAnswer, send } from '../../bench/fuzz-check.ts';
import { createHttpServer } from '../../src/http/http-server.ts';
import { once } from 'node:events';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

const NAMES = ['service', 'partner', '_input_charset', 'sign', 'sign_type', 'partner_trans_id', 'trans_amount', 'currency',
  'buyer_identity_code', 'trans_name', 'refund_amount', 'partner_refund_id', 'out_trade_no', 'trade_no', 'alipay_trans_id', 'x'];
const VALUES = ['', '0', '-1', '9902', '1e5', 'abc', '1.234', '100000000.01', 'USD', 'JPY', 'utf-8', 'GBK', 'latin1', 'MD5', 'RSA',
  '2088000000000001', 'alipay.acquire.overseas.spot.pay', 'alipay.acquire.cancel', 'alipay.acquire.overseas.query',
  'alipay.acquire.overseas.spot.refund', '<b>&amp;]]>', '%', '%zz', '咖啡', '\u0000', '😀', 'a'.repeat(300)];

test('500 random requests: every answer is well-formed GBK XML, and the process keeps answering', async () => {
  const rand = prng(20261125);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  for (let i = 0; i < 500; i++) {
    const kind = Math.floor(rand() * 4);
    let req = request(t.app).post(`/gateway.do${rand() < 0.5 ? '?_input_charset=' + pick(VALUES) : ''}`);
    if (kind === 0) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256)));
      req = req.set('Content-Type', pick(['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=zz', 'application/x-www-form-urlencoded; text/html; charset=GBK'])).send(bytes);
    } else if (kind === 1) {
      const soup: Record<string, string> = {};
      for (let n = Math.floor(rand() * 10); n > 0; n--) soup[pick(NAMES)] = pick(VALUES);
      const form = Object.entries(soup).map(([k, v]) => `${encodeURIComponent(k)}=${rand() < 0.8 ? encodeURIComponent(v) : v}`).join('&');
      req = req.set('Content-Type', 'application/x-www-form-urlencoded').send(form);
    } else {
      // well signed, with one value changed after signing half of the time
      const params = signed(payParams({ trans_amount: pick(['1.00', '9901', '9906', '9908', 'abc', '-1']), trans_name: pick(VALUES) }));
      if (kind === 3) params[pick(NAMES)] = pick(VALUES);
      const charset = pick(['utf-8', 'gbk']);
      let form: string;
      try {
        form = encodeForm(params, charset);
      } catch {
        form = encodeForm(params);
      }
      req = req.set('Content-Type', 'application/x-www-form-urlencoded').send(form);
    }
    const res = await req.buffer(true).parse((response, done) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => done(null, Buffer.concat(chunks)));
    });
    assert.equal(res.status, 200, `request ${i}`);
    assert.equal(res.headers['content-type'], 'text/xml; charset=GBK');
    const xml = iconv.decode(res.body as Buffer, 'gbk');
    assert.equal(XMLValidator.validate(xml), true, `request ${i}: ${xml}`);
    assert.match(xml, /^<\?xml version="1.0" encoding="GBK"\?><alipay><is_success>[TF]<\/is_success>/);
  }
  assert.equal((await request(t.app).get('/healthz')).status, 200);
});

test("300 of npm run fuzz's requests (hostile values in signed requests, tampered signs, every type and method): each answer checks out, each is logged", async () => {
  await t.ctx.flush();
  const before = await t.ctx.stores.requestLog.count();
  const cases = new FuzzCases(prng(20261201));
  // a server of its own: supertest would re-encode a Buffer body sent as a form
  const server = createHttpServer(t.app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 300; i++) {
      const req = cases.next(i);
      const problems = checkAnswer(req, await send(agent, (server.address() as AddressInfo).port, req));
      assert.deepEqual(problems, [], `request ${i} (${req.shape}): ${req.method} ${req.path.slice(0, 200)}`);
    }
  } finally {
    agent.destroy();
    server.close();
  }
  await t.ctx.flush();
  assert.equal((await t.ctx.stores.requestLog.count()) - before, 300);
});
