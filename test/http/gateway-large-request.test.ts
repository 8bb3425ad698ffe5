import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import type { Server } from 'node:http';
import { createHttpServer } from '../../src/http/http-server.ts';
import { createApp as createLibraryApp } from '../../src/index.ts';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { ownDatabase } from '../lib/own-database.ts';
import { encodeForm, parseAnswer, signed } from '../helpers/mapi.ts';

let t: TestApp;
let server: Server;
let port: number;
before(async () => {
  t = await createTestApp();
  server = createHttpServer(t.app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  server.close();
  server.closeAllConnections();
  await t.close();
});

function get(path: string, headers: Record<string, string> = {}, to = port): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: to, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a signed GET of 100 KB is answered like the same POST: signed XML', async () => {
  const query = encodeForm(signed({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'Q'.repeat(100_000) }));
  assert.ok(query.length > 100_000);
  const res = await get(`/gateway.do?${query}`);
  const answer = parseAnswer(res.status, res.type, res.body);
  assert.deepEqual([answer.status, answer.contentType, answer.isSuccess], [200, 'text/xml; charset=GBK', 'T']);
  assert.equal(answer.fields.error, 'TRADE_NOT_EXIST');
  assert.equal(answer.signValid, true);
});

test('headers over 1 MiB get HTTP 431 with the XML gateway error, not an empty body', async () => {
  const res = await get('/gateway.do?service=x', { 'X-Padding': 'p'.repeat(1024 * 1024 + 10) });
  const answer = parseAnswer(res.status, res.type, res.body);
  assert.deepEqual([answer.status, answer.contentType, answer.isSuccess, answer.error], [431, 'text/xml; charset=GBK', 'F', 'ILLEGAL_ARGUMENT']);
});

test('a request line that is not HTTP gets HTTP 400 with the XML gateway error', async () => {
  const socket = connect(port, '127.0.0.1');
  socket.end('GARBAGE \x01\x02 nonsense\r\n\r\n');
  const chunks: Buffer[] = [];
  for await (const chunk of socket) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const split = raw.indexOf('\r\n\r\n');
  assert.match(raw.subarray(0, split).toString('latin1'), /^HTTP\/1\.1 400 [^]*Content-Type: text\/xml; charset=GBK/);
  const answer = parseAnswer(400, 'text/xml; charset=GBK', raw.subarray(split + 4));
  assert.deepEqual([answer.isSuccess, answer.error], ['F', 'ILLEGAL_ARGUMENT']);
});

test("the library app's listen() takes the same large GET", async () => {
  const db = await ownDatabase();
  const app = createLibraryApp(db.options);
  const own = app.listen(0, '127.0.0.1');
  await once(own, 'listening');
  try {
    const query = encodeForm(signed({ service: 'alipay.acquire.overseas.query', partner_trans_id: 'L'.repeat(40_000) }));
    const res = await get(`/gateway.do?${query}`, {}, (own.address() as AddressInfo).port);
    const answer = parseAnswer(res.status, res.type, res.body);
    assert.deepEqual([answer.status, answer.fields.error, answer.signValid], [200, 'TRADE_NOT_EXIST', true]);
  } finally {
    own.close();
    own.closeAllConnections();
    await app.mock.close();
    await db.drop();
  }
});
