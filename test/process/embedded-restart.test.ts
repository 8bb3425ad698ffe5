// The embedded PostgreSQL's postmaster killed (kill -9) under pay load: the mock starts it again by itself, answers
// XML meanwhile, and every pay it acknowledged, before and after, is there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payParams } from '../helpers/mapi.ts';
import { childGateway as gateway, freePort, killChild, startServerChild, unpaidTrades, waitUntil } from '../helpers/server-child.ts';

const postmasterPid = (dataDir: string) => Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);

test('the embedded PostgreSQL killed under 8-way pay load: started again, XML answers meanwhile, no acknowledged pay lost', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-pgkill-'));
  // a range of its own (kill-restart takes 18100-18124, start-concurrent 18150-18201)
  const port = await freePort(18125, 18149);
  // DATABASE_URL empty: the embedded database, also in the suite's run on a PostgreSQL server
  const child = await startServerChild(port, { DATA_DIR: dataDir, DATABASE_URL: '' });
  try {
    const acknowledged: string[] = [];
    const unexpected: string[] = [];
    let systemErrors = 0;
    let afterKill = 0;
    let killedAt: number | null = null;
    let done = false;
    const load = async (lane: number) => {
      for (let n = 0; !done; n++) {
        const id = `PGKILL-${lane}-${n}`;
        let answer: Awaited<ReturnType<typeof gateway>>;
        try {
          answer = await gateway(child, payParams({ partner_trans_id: id }));
        } catch (error) {
          unexpected.push(`${id}: ${String(error)}`);
          continue;
        }
        if (answer.fields.result_code === 'SUCCESS' && answer.signValid) {
          acknowledged.push(id);
          if (killedAt !== null) afterKill++;
        } else if (answer.isSuccess === 'F' && answer.error === 'SYSTEM_ERROR') systemErrors++;
        else unexpected.push(`${id}: HTTP ${answer.status} ${answer.xml.slice(0, 200)}`);
      }
    };
    const lanes = Array.from({ length: 8 }, (_, lane) => load(lane));
    await waitUntil(() => acknowledged.length >= 200, 3000);
    const before = postmasterPid(dataDir);
    process.kill(before, 'SIGKILL');
    killedAt = Date.now();
    // pays succeed again once it is back (generous: a slow machine and the restart's back-off)
    await waitUntil(() => afterKill >= 100, 60_000);
    done = true;
    await Promise.all(lanes);
    t.diagnostic(`${acknowledged.length} pays acknowledged (${afterKill} after the kill), ${systemErrors} answered SYSTEM_ERROR meanwhile`);
    assert.deepEqual(unexpected.slice(0, 5), [], `${unexpected.length} answers were neither a signed SUCCESS nor the XML SYSTEM_ERROR`);
    assert.ok(afterKill >= 100, `only ${afterKill} pays succeeded in the minute after the kill:\n${child.output().slice(-3000)}`);
    assert.notEqual(postmasterPid(dataDir), before, 'the postmaster is the one that was killed');
    assert.match(child.output(), /the embedded PostgreSQL stopped by itself \(SIGKILL\); starting it again/);
    assert.match(child.output(), /the embedded PostgreSQL is running again/);

    const health = (await (await fetch(`${child.url}/healthz`)).json()) as { ok: boolean; database: string };
    assert.equal(health.database, 'up');
    const missing = await unpaidTrades(child, acknowledged);
    assert.deepEqual(missing.slice(0, 5), [], `${missing.length} of ${acknowledged.length} acknowledged pays are missing`);
  } finally {
    await killChild(child, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
