// npm run bench:memory -- --requests 1000000 — the long run of issue 11: a mixed load (pays, queries, refunds,
// rule-answered pays) against one mapi-mock on the embedded database, with the server's memory, its data folder
// and the request log's size every --every requests. Not a test: it prints figures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { checkAnswer, payForm, queryForm, refundForm } from './requests.ts';
import { processTree, startMapiMock, treeMemoryMb } from './targets.ts';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    every: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '50' },
  },
});
const TOTAL = Number(args.requests);
const EVERY = Number(args.every);
const PORT = Number(process.env.BENCH_PORT ?? 18300) + 8;
const run = Date.now().toString(36);

/** the last 1,000 pays answered SUCCESS: what the queries and refunds refer to */
const paid: string[] = [];

/** request i of the mix: 4 in 10 pays, 3 queries and 1 refund of recent pays, 2 pays answered by rule 9901 */
function mixed(i: number): { body: string; resultCode: string; pay?: string } {
  const slot = i % 10;
  const recent = () => paid[i % paid.length]!;
  if (slot < 4 || paid.length < 100) return { body: payForm(`P${run}-${i}`), resultCode: 'SUCCESS', pay: `P${run}-${i}` };
  if (slot < 7) return { body: queryForm(recent()), resultCode: 'SUCCESS' };
  if (slot < 8) return { body: refundForm(recent(), `F${run}-${i}`), resultCode: 'SUCCESS' };
  return { body: payForm(`R${run}-${i}`, '9901'), resultCode: 'FAILED' };
}

/** the embedded server's socket folder, from its command line */
function socketDir(rootPid: number): string {
  for (const pid of processTree(rootPid)) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const setting = cmd.find((part) => part.startsWith('unix_socket_directories='));
      if (setting) return setting.split('=')[1]!;
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no embedded PostgreSQL under ${rootPid}`);
}

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-bench-mem-'));
  const mock = await startMapiMock(PORT, { DATA_DIR: dataDir, DATABASE_URL: '' });
  const db = new pg.Client({ host: socketDir(mock.pid!), user: 'postgres', database: 'postgres' });
  try {
    await db.connect();
    const sample = async (sent: number) => {
      const log = await db.query<{ n: string; size: string }>(
        // the log is a table of parts: its size is theirs
        "select (select count(*) from request_log) as n, (select pg_size_pretty(sum(pg_total_relation_size(relid))) from pg_partition_tree('request_log') where isleaf) as size",
      );
      const trades = await db.query<{ n: string }>('select count(*) as n from trades');
      const folderMb = Math.round(Number(execFileSync('du', ['-sk', dataDir], { encoding: 'utf8' }).split('\t')[0]) / 1024);
      console.log(
        `| ${sent} | ${treeMemoryMb(mock.pid!)} | ${rssMb(mock.pid!)} | ${log.rows[0]!.n} | ${log.rows[0]!.size} | ${trades.rows[0]!.n} | ${folderMb} |`,
      );
    };
    console.log('| requests | server + PostgreSQL PSS MB | Node RSS MB | request-log entries | request-log size | trades | data folder MB |');
    console.log('|---|---|---|---|---|---|---|');
    await sample(0);
    let i = 0;
    let errors = 0;
    const started = performance.now();
    for (let sent = 0; sent < TOTAL; sent += EVERY) {
      const result = await autocannon({
        url: mock.url,
        connections: Number(args.connections),
        amount: Math.min(EVERY, TOTAL - sent),
        timeout: 10,
        requests: [{
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req, context) => {
            const next = mixed(i++);
            Object.assign(context, { expected: next.resultCode, pay: next.pay });
            return { ...req, body: next.body };
          },
          onResponse: (status, body, context, headers) => {
            const { expected, pay } = context as { expected: string; pay?: string };
            const found = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type');
            if (!checkAnswer(status, found ? String(found[1]) : undefined, body, expected)) errors++;
            else if (pay) {
              paid.push(pay);
              if (paid.length > 1000) paid.shift();
            }
          },
        }],
      });
      errors += result.errors + result.timeouts;
      await sample(sent + Math.min(EVERY, TOTAL - sent));
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`${TOTAL} requests in ${seconds.toFixed(0)} s (${Math.round(TOTAL / seconds)} req/s), ${errors} errors`);
  } finally {
    await db.end().catch(() => undefined);
    await mock.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
