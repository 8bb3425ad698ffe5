import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { KEY, PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { PageSession } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

/** every row of every table, as text: what a database dump would hold */
async function everythingStored(): Promise<string> {
  const knex = (t.ctx.stores.database as unknown as { knex: Knex }).knex;
  const tables = (await knex.raw("select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'")) as
    | { rows: Array<{ table_name: string }> }
    | Array<{ table_name: string }>;
  const names = (Array.isArray(tables) ? tables : tables.rows).map((row) => row.table_name);
  assert.ok(names.includes('request_log'));
  const dumps = await Promise.all(names.map(async (name) => JSON.stringify(await knex(name).select('*'))));
  return dumps.join('\n');
}

/** what the process writes to its console and standard streams while `fn` runs */
async function captureOutput(fn: () => Promise<void>): Promise<string> {
  const written: string[] = [];
  const saved = { log: console.log, error: console.error, warn: console.warn, info: console.info, out: process.stdout.write, err: process.stderr.write };
  const keep = (...args: unknown[]) => void written.push(args.map(String).join(' '));
  Object.assign(console, { log: keep, error: keep, warn: keep, info: keep });
  process.stdout.write = ((chunk: unknown) => (written.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: unknown) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error, warn: saved.warn, info: saved.info });
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
  }
  return written.join('\n');
}

function simulateForm(page: string): Record<string, string | string[]> {
  const names = [...page.matchAll(/name="param_name" value="([^"]*)"/g)].map((m) => m[1]!);
  const values = [...page.matchAll(/name="param_value" value="([^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  return { service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, charset: 'utf-8', method: 'POST', param_name: names, param_value: values };
}

test('a key typed for one request signs it, is checked by the gateway, and is never stored, logged or shown', async () => {
  const secret = 'integration-Key-7Q9x2Lm4';
  const s = new PageSession(t.app);
  const form = simulateForm((await s.get('/simulate')).text);
  let page = '';
  const output = await captureOutput(async () => {
    page = (await s.post('/simulate', { ...form, oneTimeKey: secret, action: 'send' })).text;
    await t.ctx.flush();
  });
  // another key than the partner's: the gateway refuses the signature, as it would the integration's
  assert.match(page, /<span class="badge bad">is_success=F · ILLEGAL_SIGN<\/span>/);
  assert.match(page, /Signed with the key you typed \(not saved\)/);
  assert.ok(!page.includes(secret), 'the key is not written back into the page');
  assert.ok(!output.includes(secret), 'the key is not in the process output');
  assert.ok(!(await everythingStored()).includes(secret), 'the key is in no table');

  // the same key as the partner's, typed: the request passes
  const same = await s.post('/simulate', { ...form, oneTimeKey: KEY, action: 'send' });
  assert.match(same.text, /<span class="badge good">SUCCESS<\/span>/);

  const bad = await s.post('/simulate', { ...form, oneTimeKey: 'has spaces in it', action: 'send' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /<p class="field-error" id="oneTimeKey-error">A key is 1 to 64 printable ASCII characters/);
});
