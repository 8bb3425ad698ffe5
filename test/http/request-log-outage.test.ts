// PostgreSQL goes away while requests keep coming (a TCP proxy between the app and the server is cut): every
// request answered meanwhile is written to the log once the database is back, and none is counted as lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { call, payParams } from '../helpers/mapi.ts';
import { proxiedApp } from '../helpers/tcp-proxy.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const QUERY = 'alipay.acquire.overseas.query';

test('requests answered while the database is away are in the request log once it is back; none is lost', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL (a PostgreSQL server to cut the connection to)' }, async () => {
  const { app, ctx, proxy, close } = await proxiedApp(process.env.DATABASE_URL!);
  try {
    const before = await call(app, { service: QUERY, partner_trans_id: 'LOG-BEFORE' });
    assert.equal(before.status, 200);
    await ctx.flush();
    await proxy.cut();

    // a query needs the database (SYSTEM_ERROR now); a pay of 99.01 is answered by a default rule without it
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const query = await call(app, { service: QUERY, partner_trans_id: `LOG-CUT-Q${i}` });
      const pay = await call(app, payParams({ partner_trans_id: `LOG-CUT-P${i}`, trans_amount: '99.01' }));
      for (const answer of [query, pay]) {
        assert.equal(answer.status, 200);
        assert.match(answer.contentType, /^text\/xml; ?charset=GBK$/i);
      }
      assert.equal(query.error, 'SYSTEM_ERROR');
      ids.push(`LOG-CUT-Q${i}`, `LOG-CUT-P${i}`);
    }
    // the writer has tried, found the database away, and kept them
    await ctx.requestLog.flush();
    const down = await request(app).get('/healthz');
    assert.equal(down.status, 503);
    assert.equal(down.body.requestLog.lost, 0);
    assert.ok(down.body.requestLog.unwritten >= ids.length, JSON.stringify(down.body));

    await proxy.restore();
    const deadline = Date.now() + 20_000;
    while (ctx.requestLog.unwritten > 0 && Date.now() < deadline) await sleep(100);
    const up = await request(app).get('/healthz');
    assert.equal(up.status, 200);
    assert.deepEqual(up.body.requestLog, { lost: 0, unwritten: 0 });
    const missing: string[] = [];
    for (const id of ['LOG-BEFORE', ...ids]) {
      const res = await request(app).get('/api/requests').query({ partner_trans_id: id });
      assert.equal(res.status, 200, res.text);
      if (res.body.items.length !== 1) missing.push(`${id}: ${res.body.items.length}`);
    }
    assert.deepEqual(missing, []);
  } finally {
    await close();
  }
});
