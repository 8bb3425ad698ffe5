import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import request from 'supertest';
import { loadConfig, ConfigError } from '../../src/config.ts';
import { createApp } from '../../src/http/app.ts';
import { allowedHostNames } from '../../src/http/host-allow-list.ts';
import { createApp as createLibraryApp } from '../../src/index.ts';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { ownDatabase } from '../lib/own-database.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test('DNS rebinding: /api and the pages refuse a foreign Host, and no key is in the answer', async () => {
  const api = await request(t.app).get('/api/partners').set('Host', 'evil.example');
  assert.equal(api.status, 421);
  assert.match(String(api.headers['content-type']), /^application\/json/);
  assert.match(api.body.errors.host, /evil\.example/);
  assert.doesNotMatch(api.text, /0123456789abcdefghijklmnopqrstuv/);
  const page = await request(t.app).get('/').set('Host', 'evil.example:8080');
  assert.equal(page.status, 421);
  assert.match(String(page.headers['content-type']), /^text\/plain/);
  assert.match(page.text, /ALLOWED_HOSTS/);
  assert.doesNotMatch(page.text, /0123456789abcdefghijklmnopqrstuv/);
  const post = await request(t.app).post('/api/reset').set('Host', 'evil.example');
  assert.equal(post.status, 421);
});

test('the names of this machine are answered, with or without a port', async () => {
  for (const host of ['localhost', 'localhost:8080', '127.0.0.1:18100', '[::1]:8080', 'LOCALHOST']) {
    const res = await request(t.app).get('/api/partners').set('Host', host);
    assert.equal(res.status, 200, host);
  }
  assert.equal((await request(t.app).get('/').set('Host', 'localhost:8080')).status, 200);
});

test('the gateway and /healthz answer any Host: a POS may use any name', async () => {
  const answer = await request(t.app).get('/gateway.do?service=alipay.acquire.overseas.query').set('Host', 'pos-gateway.shop.lan');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'text/xml; charset=GBK');
  assert.match(answer.text, /<is_success>F<\/is_success>/);
  assert.equal((await request(t.app).get('/healthz').set('Host', 'anything.example')).status, 200);
});

test('a configured name (ALLOWED_HOSTS) and the listening address are answered; * answers any', async () => {
  const app = createApp(t.ctx, { hosts: { listenHost: '192.0.2.7', extra: ['box.lan'] } });
  for (const host of ['box.lan', 'box.lan:9000', '192.0.2.7:8080', 'localhost']) {
    assert.equal((await request(app).get('/api/rules').set('Host', host)).status, 200, host);
  }
  assert.equal((await request(app).get('/api/rules').set('Host', 'other.lan')).status, 421);
  const open = createApp(t.ctx, { hosts: { extra: ['*'] } });
  assert.equal((await request(open).get('/api/rules').set('Host', 'other.lan')).status, 200);
});

test('listening on 0.0.0.0 answers this machine\'s own interface addresses, for a LAN user', () => {
  const names = allowedHostNames({ listenHost: '0.0.0.0' })!;
  for (const list of Object.values(networkInterfaces())) {
    for (const address of list ?? []) {
      const name = address.family === 'IPv6' ? `[${address.address.replace(/%.*$/, '')}]` : address.address;
      assert.equal(names.has(name), true, name);
    }
  }
  assert.equal(names.has('0.0.0.0'), false);
  assert.equal(names.has('evil.example'), false);
});

test('ALLOWED_HOSTS is read by loadConfig, comma-separated; nonsense is a configuration error', () => {
  assert.deepEqual(loadConfig({ ALLOWED_HOSTS: ' box.lan, 192.168.1.20:8080 ,,[fe80::1]' }).allowedHosts, ['box.lan', '192.168.1.20:8080', '[fe80::1]']);
  assert.deepEqual(loadConfig({}).allowedHosts, []);
  assert.throws(() => loadConfig({ ALLOWED_HOSTS: 'http://box.lan/' }), ConfigError);
});

test('the library app answers supertest (127.0.0.1) and the names it is given', async () => {
  const db = await ownDatabase();
  const app = createLibraryApp({ ...db.options, allowedHosts: ['mock'] });
  try {
    assert.equal((await request(app).get('/api/rules')).status, 200);
    assert.equal((await request(app).get('/api/rules').set('Host', 'mock:8080')).status, 200);
    assert.equal((await request(app).get('/api/rules').set('Host', 'evil.example')).status, 421);
  } finally {
    await app.mock.close();
    await db.drop();
  }
});
