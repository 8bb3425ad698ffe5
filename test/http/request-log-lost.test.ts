import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import request from 'supertest';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';
import { PageSession } from '../helpers/pages.ts';

const QUERY = 'alipay.acquire.overseas.query';
let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(async () => {
  // the one entry the database refused was reported, as it should be
  await assert.rejects(t.close(), (error: AggregateError) => error.errors.length === 1 && /refuse_me/.test(String(error.errors[0])));
});

async function logged(partnerTransId: string): Promise<number> {
  const res = await request(t.app).get('/api/requests').query({ partner_trans_id: partnerTransId });
  assert.equal(res.status, 200, res.text);
  return res.body.items.length;
}

test('a 3,000-character partner_trans_id is logged with the rest of its batch, and found by it', async () => {
  const huge = 'T'.repeat(3000);
  const emoji = '😀'.repeat(700); // 2,800 bytes: over a btree entry's limit, under a URL's 16 KB
  await Promise.all([
    call(t.app, { service: QUERY, partner_trans_id: huge }),
    call(t.app, { service: QUERY, partner_trans_id: emoji }),
    call(t.app, payParams({ partner_trans_id: 'NEXT-TO-HUGE', memo: '<&]]>'.repeat(2000) })),
  ]);
  await t.ctx.flush();
  assert.equal(await logged(huge), 1);
  assert.equal(await logged(emoji), 1);
  assert.equal(await logged('NEXT-TO-HUGE'), 1);
  const health = await request(t.app).get('/healthz');
  assert.equal(health.body.requestLog.lost, 0);
  assert.doesNotMatch((await new PageSession(t.app).get('/requests')).text, /could not be written/);
});

test('an entry the database still refuses is counted on /healthz and the requests page; its batch is kept', async () => {
  // a database that refuses one value, as a full disk or a broken row would refuse an insert
  const knex = (t.ctx.stores.database as unknown as { knex: Knex }).knex;
  await knex.raw("alter table request_log add constraint refuse_me check (trade_key is distinct from 'REFUSED')");
  await Promise.all([
    call(t.app, { service: QUERY, partner_trans_id: 'BEFORE' }),
    call(t.app, { service: QUERY, partner_trans_id: 'REFUSED' }),
    call(t.app, { service: QUERY, partner_trans_id: 'AFTER' }),
  ]);
  await t.ctx.flush();
  assert.equal(await logged('BEFORE'), 1);
  assert.equal(await logged('AFTER'), 1);
  assert.equal(await logged('REFUSED'), 0);
  const health = await request(t.app).get('/healthz');
  assert.equal(health.body.requestLog.lost, 1);
  const page = await new PageSession(t.app).get('/requests');
  assert.match(page.text, /1 request was answered but could not be written to this log/);
});
