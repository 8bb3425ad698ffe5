import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { DataDirInUseError } from '../../src/store/data-dir-lock.ts';
import { openStore } from '../../src/store/db.ts';
import { makeTrade } from '../helpers/db.ts';

// Always on the embedded PostgreSQL, whatever DATABASE_URL says: this is about the embedded database's folder.

const root = await mkdtemp(join(tmpdir(), 'mapi-mock-stores-'));

after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('a dataDir store keeps its data across close and reopen', async () => {
  const dataDir = join(root, 'nested', 'data');
  const first = await openStore({ dataDir });
  assert.equal(first.database.kind, 'embedded');
  // a new cluster computes no page checksums (PostgreSQL 18's default does: embedded-postgres.ts says why not)
  assert.equal(((await (first.requestLog as unknown as { db: Knex }).db.raw('show data_checksums')) as { rows: Array<{ data_checksums: string }> }).rows[0]!.data_checksums, 'off');
  await first.database.migrate();
  await first.partners.upsert({ id: '2088000000000001', key: 'secret' });
  await first.trades.transaction((tx) =>
    tx.saveTrade(makeTrade({ partner: '2088000000000001', partnerTransId: 'T-persist', currency: 'JPY', amount: 500 })),
  );
  await first.database.close();
  await first.database.close();
  assert.ok((await stat(dataDir)).isDirectory());

  const second = await openStore({ dataDir });
  try {
    await second.database.migrate();
    assert.deepEqual(await second.partners.get('2088000000000001'), { id: '2088000000000001', key: 'secret', notifyUrl: null });
    const trades = await second.trades.listTrades({});
    assert.deepEqual(
      trades.map((t) => [t.partnerTransId, t.amount, t.currency]),
      [['T-persist', 500, 'JPY']],
    );
  } finally {
    await second.database.close();
  }
});

test('openStore without a database refuses', async () => {
  await assert.rejects(openStore({}), /databaseUrl, dataDir or inMemory/);
});

test('a data folder belongs to one process: a second open is refused, a lock left by a dead process is taken over', async () => {
  const dataDir = join(root, 'locked');
  const first = await openStore({ dataDir });
  await assert.rejects(openStore({ dataDir }), (error: Error) => error instanceof DataDirInUseError && /in use by another mapi-mock/.test(error.message));
  await first.database.close();

  // a pid no process has: what a crash leaves behind
  await writeFile(join(dataDir, 'mapi-mock.lock'), '2147483646');
  const second = await openStore({ dataDir });
  assert.equal(await readFile(join(dataDir, 'mapi-mock.lock'), 'utf8'), String(process.pid));
  await second.database.close();
  await assert.rejects(stat(join(dataDir, 'mapi-mock.lock')), { code: 'ENOENT' });
});

test('a mock killed with SIGKILL leaves no server behind: the next one opens the same folder', async () => {
  const dataDir = join(root, 'killed');
  const storeModule = new URL('../../src/store/db.ts', import.meta.url).href;
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', `const { openStore } = await import(${JSON.stringify(storeModule)}); await openStore({ dataDir: ${JSON.stringify(dataDir)} }); console.log('open'); setInterval(() => {}, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  assert.equal(line.toString().trim(), 'open');
  child.kill('SIGKILL');
  await once(child, 'exit');

  const next = await openStore({ dataDir });
  try {
    await next.database.migrate();
    assert.equal(await next.requestLog.count(), 0);
  } finally {
    await next.database.close();
  }
});
