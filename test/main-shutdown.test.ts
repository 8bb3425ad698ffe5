import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../src/compose.ts';

// Always the embedded database: this is about npm start and the PostgreSQL it starts.
const root = await mkdtemp(join(tmpdir(), 'mapi-mock-main-'));
after(() => rm(root, { recursive: true, force: true }));

test('Ctrl-C (SIGINT to the whole process group) writes every logged request before the database stops', async () => {
  const dataDir = join(root, 'data');
  const main = new URL('../scripts/start.mjs', import.meta.url).pathname;
  // detached: a process group of its own, as a terminal gives npm start
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', PORT: '0', WORKERS: '1', LOG_LEVEL: 'debug' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stderr!.resume();
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${base}/gateway.do`, { method: 'POST', body: `service=x&partner_trans_id=SIGINT-${i}` });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  }
  const exited = once(child, 'exit');
  process.kill(-child.pid!, 'SIGINT');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0);
  // LOG_LEVEL=debug: one JSON line per gateway request on standard output
  const logged = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; error?: string });
  assert.deepEqual(logged.filter((line) => line.msg === 'gateway request').map((line) => line.error), Array(5).fill('ILLEGAL_PARTNER'));

  const { stores } = await openDatabase({ dataDir });
  try {
    assert.equal(await stores.requestLog.count(), 5);
  } finally {
    await stores.database.close();
  }
});
