// The log of a running mock: one debug line per gateway request with what an operator needs and no secret,
// the level honoured, unexpected failures of every surface logged once, the library quiet unless told.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { GatewayService } from '../../src/app/gateway-service.ts';
import { gatewayListener } from '../../src/http/gateway-routes.ts';
import { createMock } from '../../src/lib/create-mock.ts';
import { type LogLevel, createLogger } from '../../src/telemetry/logger.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { call, clientSign, payParams, signed } from '../helpers/mapi.ts';
import { ownDatabase } from '../lib/own-database.ts';

type Line = Record<string, unknown> & { level: string; msg: string };

/** a logger at `level` whose lines are kept, parsed, in `lines` (and as written, in `raw`) */
function capturedLogger(level: LogLevel) {
  const lines: Line[] = [];
  const raw: string[] = [];
  const logger = createLogger({
    level,
    destination: {
      write(text: string) {
        raw.push(text);
        lines.push(JSON.parse(text) as Line);
      },
    },
  });
  return { logger, lines, raw };
}

const apps: TestApp[] = [];
after(async () => {
  for (const app of apps) await app.close();
});

async function appLoggingAt(level: LogLevel) {
  const captured = capturedLogger(level);
  const t = await createTestApp({ observe: { logger: captured.logger } });
  apps.push(t);
  return { t, ...captured };
}

test('LOG_LEVEL=debug: one line per gateway request, with service, partner, result, rule, latency and request id, and no secret', async () => {
  const { t, lines, raw } = await appLoggingAt('debug');
  const pay = payParams();
  const sent = signed(pay);
  const ok = await call(t.app, pay);
  assert.equal(ok.fields.result_code, 'SUCCESS');
  await call(t.app, payParams({ trans_amount: '9902' }));
  await t.ctx.flush();

  const gateway = lines.filter((line) => line.msg === 'gateway request');
  assert.equal(gateway.length, 2);
  const [first, second] = gateway;
  assert.equal(first!.level, 'debug');
  assert.deepEqual(
    { service: first!.service, partner: first!.partner, isSuccess: first!.isSuccess, resultCode: first!.resultCode, error: first!.error, ruleId: first!.ruleId, status: first!.status },
    { service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, isSuccess: true, resultCode: 'SUCCESS', error: null, ruleId: null, status: 200 },
  );
  assert.equal(typeof first!.latencyMs, 'number');
  // the id is the request log's: the line leads to the entry
  const logged = (await request(t.app).get('/api/requests?limit=2').expect(200)).body.items as Array<{ id: string }>;
  assert.deepEqual(new Set(gateway.map((line) => line.requestId)), new Set(logged.map((item) => item.id)));
  assert.deepEqual([second!.resultCode, second!.error, second!.ruleId], ['FAILED', 'BUYER_BALANCE_NOT_ENOUGH', 'pay-9902-balance-not-enough']);

  const everything = raw.join('');
  assert.ok(!everything.includes(KEY), 'the key is in no line');
  assert.ok(!everything.includes(sent.sign!), 'the sign is in no line');
  assert.ok(!everything.includes('partner_trans_id='), 'the signed string is in no line');
});

test('at info (the server default) the gateway writes no line per request', async () => {
  const { t, lines } = await appLoggingAt('info');
  await call(t.app, payParams());
  assert.deepEqual(lines, []);
});

test('a secret in a logged object is redacted wherever it sits, two levels deep', () => {
  const { logger, raw } = capturedLogger('info');
  const sign = clientSign({ a: '1' });
  logger.error({ err: Object.assign(new Error('refused'), { key: KEY }), params: { sign, partner: PARTNER }, req: { headers: { authorization: 'Bearer tok-123' } }, token: 'tok-456' }, 'failed');
  const text = raw.join('');
  for (const secret of [KEY, sign, 'tok-123', 'tok-456']) assert.ok(!text.includes(secret), `${secret} is in ${text}`);
  assert.match(text, /"partner":"2088000000000001"/);
  assert.match(text, /\[redacted\]/);
});

test("the gateway's last guard: a failure handle() did not answer ends in XML SYSTEM_ERROR, logged once and counted", async () => {
  const { logger, lines } = capturedLogger('info');
  const metrics = new Metrics();
  const failing = { handle: async () => Promise.reject(new Error('boom')) } as unknown as GatewayService;
  const server = createServer(gatewayListener(failing, { logger, metrics })).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`, { method: 'POST', body: 'service=x' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/xml; charset=GBK');
    assert.match(await res.text(), /^<\?xml version="1\.0" encoding="GBK"\?>\s*<alipay><is_success>F<\/is_success><error>SYSTEM_ERROR<\/error><\/alipay>$/);
    assert.deepEqual(lines.map((line) => [line.level, line.msg, (line.err as { message?: string } | undefined)?.message]), [['error', 'gateway request failed', 'boom']]);
    assert.match(await metrics.text(), /^mapi_mock_gateway_requests_total\{service="none",is_success="F",result="SYSTEM_ERROR"\} 1$/m);
  } finally {
    server.close();
  }
});

test('a page that fails unexpectedly shows the error page, no stack trace, and the error is logged once', async (ctx) => {
  const { t, lines } = await appLoggingAt('info');
  ctx.mock.method(t.ctx.admin, 'listTrades', async () => {
    throw new Error('the trades are on fire');
  });
  const res = await request(t.app).get('/trades');
  assert.equal(res.status, 500);
  assert.match(res.text, /The page could not be shown\. The error was logged\./);
  assert.ok(!res.text.includes('on fire'));
  assert.deepEqual(lines.map((line) => [line.level, line.msg, line.path, (line.err as { message?: string }).message]), [['error', 'request failed', '/trades', 'the trades are on fire']]);
});

test('createMock is quiet by default (warn) and writes one debug line per request on standard error when asked', async () => {
  const written: string[] = [];
  const saved = process.stderr.write;
  process.stderr.write = ((chunk: unknown) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  const dbs = [await ownDatabase(), await ownDatabase()];
  const quiet = createMock(dbs[0]!.options);
  const chatty = createMock({ ...dbs[1]!.options, logLevel: 'debug' });
  try {
    const form = new URLSearchParams(signed(payParams())).toString();
    await request(quiet.app).post('/gateway.do').type('form').send(form).expect(200);
    const before = written.length;
    await request(chatty.app).post('/gateway.do').type('form').send(new URLSearchParams(signed(payParams())).toString()).expect(200);
    const lines = written.slice(before).map((text) => JSON.parse(text) as Line);
    assert.equal(before, 0, `the quiet mock wrote: ${written.join('')}`);
    assert.deepEqual(lines.map((line) => [line.level, line.msg, line.resultCode]), [['debug', 'gateway request', 'SUCCESS']]);
  } finally {
    process.stderr.write = saved;
    await quiet.close();
    await chatty.close();
    for (const db of dbs) await db.drop();
  }
  assert.throws(() => createMock({ logLevel: 'loud' as LogLevel }), /logLevel must be one of debug, info, warn, error, silent/);
});
