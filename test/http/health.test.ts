import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestApp } from '../helpers/app.ts';
import { PageSession } from '../helpers/pages.ts';
import { proxiedApp } from '../helpers/tcp-proxy.ts';

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
  await t.ctx.stores.database.close();
  const down = await request(t.app).get('/healthz');
  assert.deepEqual([down.status, down.body.ok, down.body.database], [503, false, 'down']);
  const browser = new PageSession(t.app);
  for (const path of ['/', '/trades', '/requests']) assertDownPage(await browser.get(path));
  const api = await request(t.app).get('/api/trades');
  assert.deepEqual([api.status, Object.keys(api.body.errors)], [503, ['database']]);
  await t.close().catch(() => undefined); // the store is already closed
});

test('PostgreSQL going away and coming back: health and pages follow by themselves', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL (a PostgreSQL server to cut the connection to)' }, async () => {
  const { app, proxy, close } = await proxiedApp(process.env.DATABASE_URL!);
  try {
    const browser = new PageSession(app);
    assert.equal((await browser.get('/trades')).status, 200);

    await proxy.cut();
    const down = await request(app).get('/healthz');
    assert.deepEqual([down.status, down.body.database], [503, 'down']);
    assertDownPage(await browser.get('/trades'));

    await proxy.restore();
    await waitFor('/healthz up again', async () => (await request(app).get('/healthz')).status === 200);
    await waitFor('/trades shown again', async () => (await browser.get('/trades')).status === 200);
  } finally {
    await close();
  }
});
