// kill -9 under pay load, restart on the same DATA_DIR: every pay the server acknowledged is still there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { payParams } from '../helpers/mapi.ts';
import { childGateway as gateway, freePort, killChild, startServerChild, unpaidTrades, waitUntil } from '../helpers/server-child.ts';

test('SIGKILL during 16-way pay load, then a restart on the same data folder: no acknowledged trade is lost', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-kill-'));
  // a range of its own: test files run two at a time, and another one probing the same ports at once would get the same
  const port = await freePort(18100, 18124);
  let child = await startServerChild(port, { DATA_DIR: dataDir });
  try {
    const acknowledged: string[] = [];
    let killed = false;
    const load = async (lane: number) => {
      for (let n = 0; !killed; n++) {
        const id = `KILL-${lane}-${n}`;
        try {
          const answer = await gateway(child, payParams({ partner_trans_id: id }));
          if (answer.fields.result_code === 'SUCCESS' && answer.signValid) acknowledged.push(id);
        } catch {
          // the connection died with the server: that pay was never acknowledged
        }
      }
    };
    const lanes = Array.from({ length: 16 }, (_, lane) => load(lane));
    // kill once a few hundred pays are in, or after 3 s on a slow machine
    await waitUntil(() => acknowledged.length >= 300, 3000);
    await killChild(child, 'SIGKILL');
    killed = true;
    await Promise.all(lanes);
    assert.ok(acknowledged.length > 0, 'no pay was acknowledged before the kill');

    const restart = performance.now();
    child = await startServerChild(port, { DATA_DIR: dataDir });
    t.diagnostic(`${acknowledged.length} pays acknowledged before the kill; the restart took ${Math.round(performance.now() - restart)} ms`);
    const missing = await unpaidTrades(child, acknowledged);
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged pays are missing`);
  } finally {
    await killChild(child, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
