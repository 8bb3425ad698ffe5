import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createContext } from '../../src/app/context.ts';
import { createApp } from '../../src/http/app.ts';
import { createDatabase, dropDatabase, openStore } from '../../src/store/db.ts';
import { loadDefaultRules } from '../../src/store/default-rules.ts';
import { KEY, PARTNER, createTestApp } from '../helpers/app.ts';
import { PageSession } from '../helpers/pages.ts';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.ts';

async function waitFor(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function assertDownPage(page: { status: number; text: string; headers: Record<string, string> }): void {
  assert.equal(page.status, 503);
  assert.match(page.text, /<h1>Database unavailable<\/h1>/);
  assert.match(page.text, /keeps trying on its own/);
  assert.match(page.text, /<meta http-equiv="refresh" content="5">/);
  assert.equal(page.headers['retry-after'], '5');
  assert.doesNotMatch(page.text, /at .*\.ts:\d+/);
}

test('/healthz says the database is up; with the store gone it says down (503), and the pages say so', async () => {
  const t = await createTestApp();
  const up = await request(t.app).get('/healthz');
  assert.deepEqual([up.status, up.body.ok, up.body.database], [200, true, 'up']);
  await t.ctx.store.close();
  const down = await request(t.app).get('/healthz');
  assert.deepEqual([down.status, down.body.ok, down.body.database], [503, false, 'down']);
  const browser = new PageSession(t.app);
  for (const path of ['/', '/trades', '/requests']) assertDownPage(await browser.get(path));
  await t.close().catch(() => undefined); // the store is already closed
});

test('PostgreSQL going away and coming back: health and pages follow by themselves', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL (a PostgreSQL server to cut the connection to)' }, async () => {
  const serverUrl = process.env.DATABASE_URL!;
  const name = `mapi_test_${randomBytes(6).toString('hex')}`;
  const direct = new URL(await createDatabase(serverUrl, name));
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const store = await openStore({ databaseUrl: throughProxy(direct.toString(), proxy) });
  try {
    await store.migrate();
    const ctx = await createContext({ store, defaultPartner: { id: PARTNER, key: KEY }, defaultRules: await loadDefaultRules(), onError: () => undefined });
    const app = createApp(ctx);
    const browser = new PageSession(app);
    assert.equal((await browser.get('/trades')).status, 200);

    await proxy.cut();
    const down = await request(app).get('/healthz');
    assert.deepEqual([down.status, down.body.database], [503, 'down']);
    assertDownPage(await browser.get('/trades'));

    await proxy.restore();
    await waitFor('/healthz up again', async () => (await request(app).get('/healthz')).status === 200);
    await waitFor('/trades shown again', async () => (await browser.get('/trades')).status === 200);
    await ctx.close();
  } finally {
    await store.close();
    await proxy.close();
    await dropDatabase(serverUrl, name);
  }
});
