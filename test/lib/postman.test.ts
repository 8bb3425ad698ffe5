import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import request from 'supertest';
import { createApp, encodeForm, verifyResponse } from '../../src/index.ts';
import { ownDatabase } from './own-database.ts';

const db = await ownDatabase();
// mock.test: a name the collection must take its gateway URL from, allowed as a LAN name would be
const app = createApp({ ...db.options, allowedHosts: ['mock.test'] });
after(async () => {
  await app.mock.close();
  await db.drop();
});

interface PostmanItem {
  name: string;
  request: { method: string; url: { raw: string }; body: { mode: string; urlencoded: Array<{ key: string; value: string; disabled?: boolean }> } };
}

async function collection() {
  const res = await request(app).get('/api/postman').set('Host', 'mock.test:9000').expect(200);
  return res.body as {
    info: { name: string; schema: string };
    event: Array<{ listen: string; script: { type: string; exec: string[] } }>;
    variable: Array<{ key: string; value: string }>;
    item: PostmanItem[];
  };
}

test('GET /api/postman answers a v2.1 collection: one request per service, variables from this server', async () => {
  const body = await collection();
  assert.equal(body.info.schema, 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
  const variables = Object.fromEntries(body.variable.map((v) => [v.key, v.value]));
  assert.deepEqual([variables.gateway, variables.partner, variables.key], ['http://mock.test:9000/gateway.do', app.mock.partner.id, app.mock.partner.key]);
  const services = body.item.map((item) => item.request.body.urlencoded.find((p) => p.key === 'service')?.value);
  assert.deepEqual(services, ['alipay.acquire.overseas.spot.pay', 'alipay.acquire.overseas.query', 'alipay.acquire.overseas.spot.refund', 'alipay.acquire.cancel']);
  for (const item of body.item) {
    assert.deepEqual([item.request.method, item.request.url.raw, item.request.body.mode], ['POST', '{{gateway}}', 'urlencoded']);
    assert.ok(item.request.body.urlencoded.some((p) => p.key === 'sign' && p.value === '{{sign}}'));
  }
  assert.deepEqual(body.event.map((e) => [e.listen, e.script.type]), [['prerequest', 'text/javascript']]);
  assert.match(body.event[0]!.script.exec.join('\n'), /CryptoJS\.MD5/);
  await request(app).get('/api/postman?partner=2088999999999999').expect(404);
});

/** what Postman does for one request: run the collection's pre-request script, then send the form with variables resolved */
function postmanSandbox(variables: Array<{ key: string; value: string }>) {
  const collectionScope = new Map(variables.map((v) => [v.key, v.value]));
  return async (script: string, item: PostmanItem) => {
    const local = new Map<string, string>();
    const get = (name: string) => local.get(name) ?? collectionScope.get(name);
    const replaceIn = (text: string) => text.replace(/\{\{([^{}]+)\}\}/g, (whole, name: string) => get(name) ?? whole);
    const list = <T>(items: T[]) => ({ each: (fn: (item: T) => void) => items.forEach(fn) });
    const pm = {
      request: { body: { mode: item.request.body.mode, urlencoded: list(item.request.body.urlencoded) }, url: { query: list([]) } },
      variables: { get, set: (name: string, value: string) => local.set(name, value), replaceIn },
      collectionVariables: { get: (name: string) => collectionScope.get(name), set: (name: string, value: string) => collectionScope.set(name, value) },
    };
    // CryptoJS.MD5 hashes the UTF-8 bytes of a string
    const CryptoJS = { MD5: (text: string) => ({ toString: () => createHash('md5').update(text, 'utf8').digest('hex') }) };
    runInNewContext(script, { pm, CryptoJS });
    const form = Object.fromEntries(item.request.body.urlencoded.map((p) => [p.key, replaceIn(p.value)]));
    const res = await request(app).post('/gateway.do').type('form').send(encodeForm(form)).responseType('blob');
    return verifyResponse(res.body as Buffer, app.mock.partner.key);
  };
}

test('the pre-request script signs as the gateway checks: pay, query, refund and cancel in a row all succeed', async () => {
  const body = await collection();
  const send = postmanSandbox(body.variable);
  const script = body.event[0]!.script.exec.join('\n');
  const answers = [];
  for (const item of body.item) answers.push(await send(script, item));
  assert.deepEqual(
    answers.map((a) => [a.isSuccess, a.resultCode, a.ok]),
    [[true, 'SUCCESS', true], [true, 'SUCCESS', true], [true, 'SUCCESS', true], [true, 'SUCCESS', true]],
  );
  const transId = answers[0]!.fields.partner_trans_id!;
  assert.match(transId, /^PM\d+$/);
  assert.deepEqual([answers[1]!.fields.partner_trans_id, answers[2]!.fields.partner_trans_id, answers[3]!.fields.out_trade_no], [transId, transId, transId]);
  assert.equal((await app.mock.trade(transId))?.state, 'TRADE_CLOSED');
});
