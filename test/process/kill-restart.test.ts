// kill -9 under pay load, restart on the same DATA_DIR: every pay the server acknowledged is still there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeForm, parseAnswer, payParams, signed } from '../helpers/mapi.ts';
import { type ServerChild, freePort, killChild, startServerChild } from '../helpers/server-child.ts';

async function gateway(child: ServerChild, params: Record<string, string>) {
  const res = await fetch(`${child.url}/gateway.do`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: encodeForm(signed(params)),
  });
  return parseAnswer(res.status, String(res.headers.get('content-type')), Buffer.from(await res.arrayBuffer()));
}

test('SIGKILL during 16-way pay load, then a restart on the same data folder: no acknowledged trade is lost', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-kill-'));
  const port = await freePort();
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
    const until = Date.now() + 3000;
    while (acknowledged.length < 300 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    await killChild(child, 'SIGKILL');
    killed = true;
    await Promise.all(lanes);
    assert.ok(acknowledged.length > 0, 'no pay was acknowledged before the kill');

    const restart = performance.now();
    child = await startServerChild(port, { DATA_DIR: dataDir });
    t.diagnostic(`${acknowledged.length} pays acknowledged before the kill; the restart took ${Math.round(performance.now() - restart)} ms`);
    const missing: string[] = [];
    for (let i = 0; i < acknowledged.length; i += 16) {
      await Promise.all(
        acknowledged.slice(i, i + 16).map(async (id) => {
          const query = await gateway(child, { service: 'alipay.acquire.overseas.query', partner_trans_id: id });
          // what the query said, so that a failure tells a lost trade (TRADE_NOT_EXIST) from a server that errs
          const said = [query.fields.alipay_trans_status, query.fields.result_code, query.fields.error].filter(Boolean).join('/');
          if (query.fields.alipay_trans_status !== 'TRADE_SUCCESS') missing.push(`${id}: ${said || 'no fields'}`);
        }),
      );
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged pays are missing`);
  } finally {
    await killChild(child, 'SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
