// PostgreSQL goes away for a few seconds under pay load (a TCP proxy between the app and the server is cut):
// meanwhile every answer is XML SYSTEM_ERROR, after it pays succeed again, and no acknowledged pay is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkAnswer, send } from '../../bench/fuzz-check.ts';
import { createHttpServer } from '../../src/http/http-server.ts';
import { PARTNER } from '../helpers/app.ts';
import { encodeForm, payParams, signed } from '../helpers/mapi.ts';
import { proxiedApp } from '../helpers/tcp-proxy.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a PostgreSQL outage under pay load: XML SYSTEM_ERROR meanwhile, recovery after, every acknowledged pay present', { skip: process.env.DATABASE_URL ? false : 'needs DATABASE_URL (a PostgreSQL server to cut the connection to)' }, async () => {
  const { app, ctx, proxy, close } = await proxiedApp(process.env.DATABASE_URL!);
  const server = createHttpServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const acknowledged: string[] = [];
  const refused: string[] = [];
  const problems: string[] = [];
  let phase: 'before' | 'cut' | 'after' = 'before';
  const during = { cut: { answers: 0, systemErrors: 0 }, after: { successes: 0 } };
  let stop = false;
  const pay = async (id: string) => {
    const params = signed(payParams({ partner_trans_id: id }));
    const req = { shape: 'pay', method: 'POST', path: '/gateway.do', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(encodeForm(params)), signedIn: 'utf-8' as const };
    const res = await send(agent, port, req);
    const text = res.body.toString('latin1');
    // the one gateway error an outage may give is SYSTEM_ERROR; checkAnswer reports it, so it is told apart here
    const systemError = text.includes('<is_success>F</is_success><error>SYSTEM_ERROR</error>');
    const found = checkAnswer(req, res).filter((p) => !(systemError && p.startsWith('SYSTEM_ERROR')));
    problems.push(...found.map((p) => `${id} (${phase}): ${p}`));
    return { ok: !systemError && /<result_code>SUCCESS<\/result_code>/.test(text), systemError };
  };
  const lane = async (n: number) => {
    for (let i = 0; !stop; i++) {
      const id = `OUT-${n}-${i}`;
      const at = phase;
      const answer = await pay(id);
      if (answer.ok) acknowledged.push(id);
      else refused.push(id);
      if (at === 'cut' && phase === 'cut') {
        during.cut.answers += 1;
        if (answer.systemError) during.cut.systemErrors += 1;
      }
      if (at === 'after' && answer.ok) during.after.successes += 1;
    }
  };
  try {
    const lanes = Array.from({ length: 8 }, (_, n) => lane(n));
    await sleep(500);
    await proxy.cut();
    phase = 'cut';
    await sleep(2000);
    await proxy.restore();
    phase = 'after';
    const until = Date.now() + 10_000;
    while (during.after.successes < 20 && Date.now() < until) await sleep(50);
    stop = true;
    await Promise.all(lanes);

    assert.deepEqual(problems, []);
    assert.ok(during.cut.answers > 0, 'no answer came while the database was away');
    assert.equal(during.cut.systemErrors, during.cut.answers, 'every pay answered during the outage is SYSTEM_ERROR');
    assert.ok(during.after.successes >= 20, `pays did not recover after the database came back (${during.after.successes} succeeded)`);
    const missing: string[] = [];
    for (const id of acknowledged) if (!(await ctx.stores.trades.reader.findTradeByPartnerTransId(PARTNER, id))) missing.push(id);
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged pays are missing`);
    // nothing half-written: a refused pay, sent again, is paid once and for all
    for (const id of refused.slice(0, 20)) assert.equal((await pay(id)).ok, true, id);
  } finally {
    stop = true;
    agent.destroy();
    server.close();
    server.closeAllConnections();
    await close();
  }
});
