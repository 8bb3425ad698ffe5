// npm run bench:peers — mapi-mock against WireMock, mountebank and bare node:http, same load, one run.
// Not a test: it prints figures. Options: --seconds N, --warmup N, --postgres (also on DATABASE_URL with
// WORKERS=2), --rules N (also with N custom rules of the issue's mix), --rounds N (2), --only-mapi (skip the peers). Each row also
// shows the CPU each process of the target spent per answered request in the measured run, and the load generator's.
//
// Each group of mapi-mock runs (embedded, with the rules, on PostgreSQL) comes with the limit and the peers measured
// right before it, and the pair is measured `--rounds` times in turn. Each target's row is its best round (the others'
// req/s beside it), and each mapi-mock row is set against the best of the peers of its own group: on a shared
// machine the speed drifts by a quarter within minutes (the limit 31,193 -> 24,966 req/s in two runs half an hour
// apart; WireMock 8,372 and 14,179 in one), and a slowdown only ever takes req/s away, from peers and mock alike.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Figures, measure } from './load.ts';
import { customRules, payForm, queryForm, refundForm, staticAnswer } from './requests.ts';
import { PEERS, type Target, installPeers, serverDatabase, startBareNode, startMapiMock, startMountebank, startWireMock, treeCpuSeconds, treeMemoryMb } from './targets.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '50' },
    postgres: { type: 'boolean', default: false },
    rules: { type: 'string' },
    rounds: { type: 'string', default: '2' },
    'only-mapi': { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const CONNECTIONS = Number(args.connections);
// a count that is not a number is one round, not none
const ROUNDS = Math.max(1, Math.floor(Number(args.rounds)) || 1);
// Ports of this benchmark: 18300-18309 (override the base with BENCH_PORT).
const PORT = Number(process.env.BENCH_PORT ?? 18300);

/** CPU per answered request during the measured run: each process of the server's tree by name, and the load generator */
type Cpu = { server: Array<[string, number]>; load: number };
/** one measured run; `group`: the group of mapi-mock runs it belongs to, with the peers measured before them */
type Row = { name: string; figures: Figures; kind: 'peer' | 'limit' | 'mapi'; cpu: Cpu | null; group: number };
const rows: Row[] = [];
let group = 0;
const notes: string[] = [];

async function drive(target: Target, name: string, kind: Row['kind'], body: (i: number) => string, resultCode: string, warmup = WARMUP, counter = { i: 0 }) {
  const load = { url: target.url, connections: CONNECTIONS, body, resultCode };
  if (warmup > 0) await measure({ ...load, seconds: warmup }, counter);
  const before = target.pid ? treeCpuSeconds(target.pid) : null;
  const ownBefore = process.cpuUsage();
  const f = await measure({ ...load, seconds: SECONDS }, counter);
  const own = process.cpuUsage(ownBefore);
  const after = target.pid ? treeCpuSeconds(target.pid) : null;
  const perRequest = (seconds: number) => Math.round((seconds / Math.max(1, f.requests)) * 1e6);
  const cpu: Cpu = {
    // processes that did next to nothing (npm, the watchdog's shell) are left out
    server: after ? [...after].map(([p, s]) => [p, perRequest(s - (before!.get(p) ?? 0))] as [string, number]).filter(([, us]) => us >= 2) : [],
    load: perRequest((own.user + own.system) / 1e6),
  };
  const figures = { ...f, rssMb: target.pid ? treeMemoryMb(target.pid) : null };
  rows.push({ name, figures, kind, cpu, group });
  console.log(`  ${name}: ${figures.rps} req/s, p99 ${figures.p99} ms, errors ${figures.errors}`);
  return figures;
}

/** The limit and the peers, each started afresh and stopped after its run; `before` names what follows. */
async function peers(answer: Buffer, before: string): Promise<void> {
  if (args['only-mapi']) return;
  const any = (i: number) => payForm(`S${i}`);
  const bare = await startBareNode(PORT + 1, answer);
  try { await drive(bare, `node:http, static answer (limit), before ${before}`, 'limit', any, 'SUCCESS'); } finally { await bare.stop(); }
  const mb = await startMountebank(PORT + 2, PORT + 3, answer);
  try { await drive(mb, `mountebank ${PEERS.mountebank}, static stub, before ${before}`, 'peer', any, 'SUCCESS'); } finally { await mb.stop(); }
  const wm = await startWireMock(PORT + 4, answer);
  try { await drive(wm, `WireMock ${PEERS.wiremock}, static stub, before ${before}`, 'peer', any, 'SUCCESS', WARMUP + 10); } finally { await wm.stop(); }
}

/** Custom rules through the API, in parts well under any body limit. */
async function importRules(base: string, count: number): Promise<void> {
  const rules = customRules(count);
  for (let i = 0; i < rules.length; i += 1000) {
    const res = await fetch(`${base}/api/rules/import?mode=merge`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rules.slice(i, i + 1000).map(({ id: _id, ...rule }) => rule)),
    });
    if (!res.ok) throw new Error(`import refused: ${res.status} ${await res.text()}`);
  }
}

/** The four workloads on one running mock. */
async function mapiWorkloads(label: string, env: NodeJS.ProcessEnv, ruleCount: number): Promise<void> {
  const mock = await startMapiMock(PORT + 5, env);
  try {
    const base = mock.url.replace(/\/gateway\.do$/, '');
    await importRules(base, ruleCount);
    const idle = mock.pid ? treeMemoryMb(mock.pid) : null;
    notes.push(`${label}: memory (PSS) after start and ${ruleCount} rules, idle: ${idle} MB`);
    const run = Date.now().toString(36);
    await drive(mock, `${label}: pay answered by rule 9901`, 'mapi', (i) => payForm(`R${run}-${i}`, '9901'), 'FAILED');
    const pays = { i: 0 };
    await drive(mock, `${label}: pay, writes a trade`, 'mapi', (i) => payForm(`P${run}-${i}`), 'SUCCESS', WARMUP, pays);
    await drive(mock, `${label}: query of one trade`, 'mapi', () => queryForm(`P${run}-0`), 'SUCCESS');
    // refunds of 0.01 spread over the trades the pay run made, each with a fresh refund id
    const paid = Math.max(1, pays.i - CONNECTIONS);
    await drive(mock, `${label}: refund`, 'mapi', (i) => refundForm(`P${run}-${i % paid}`, `F${run}-${i}`), 'SUCCESS');
  } finally {
    await mock.stop();
  }
}

/** npm start → first answer, on a new and on an existing data folder (the embedded default). */
async function startup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mapi-bench-start-'));
  try {
    for (const when of ['new', 'existing']) {
      const mock = await startMapiMock(PORT + 6, { DATA_DIR: dir, DATABASE_URL: '' }, true);
      notes.push(`npm start → first answer, ${when} data folder: ${Math.round(mock.startedMs)} ms (target ${when === 'new' ? 3000 : 1500})`);
      await mock.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Two test processes: the first one on a machine also builds the migrated cluster image every later one copies
  // (scratch-postgres.ts), once per machine and schema.
  const [t, u] = [0, 1].map(() => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/peers/create-app-start.ts'], { encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').at(-1)!) as CreateAppTimes;
  }) as [CreateAppTimes, CreateAppTimes];
  notes.push(
    `createApp() → first answer: first app ${Math.round(u.first)} ms, next app ${Math.round(u.second)} ms (target 500; import ${Math.round(u.importMs)} ms); ` +
      `the process before it, which may have built the machine's migrated image: first app ${Math.round(t.first)} ms`,
  );
}

interface CreateAppTimes {
  importMs: number;
  first: number;
  second: number;
}

/** Each target's best run (most req/s) in its group, in the order the targets first ran; `runs`: every run's req/s. */
function bestRuns(): Array<Row & { runs: number[] }> {
  const best = new Map<string, Row & { runs: number[] }>();
  for (const row of rows) {
    const key = `${row.group} ${row.name}`;
    const seen = best.get(key);
    if (!seen) best.set(key, { ...row, runs: [row.figures.rps] });
    else best.set(key, { ...(row.figures.rps > seen.figures.rps ? row : seen), runs: [...seen.runs, row.figures.rps] });
  }
  return [...best.values()];
}

function report(): void {
  const table = bestRuns();
  const peerOf = (r: Row) => Math.max(0, ...table.filter((p) => p.kind === 'peer' && p.group === r.group).map((p) => p.figures.rps));
  const limitOf = (r: Row) => table.find((p) => p.kind === 'limit' && p.group === r.group)?.figures.rps ?? 0;
  const ratio = (n: number, d: number) => (d > 0 ? `${(n / d).toFixed(2)}×` : '–');
  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP} s warm-up (WireMock +10 s), node ${process.version}; ` +
    `each row the best of ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}, the ratios to the best of its own group\n`);
  console.log('| target | req/s | every round | p50 ms | p99 ms | errors | memory MB (PSS) | CPU µs per request: server (load generator) | × faster peer | × limit |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of table) {
    const { name, figures: f, cpu } = row;
    const cpuText = cpu ? `${cpu.server.map(([p, us]) => `${p} ${us}`).join(' + ') || '–'} (${cpu.load})` : '–';
    console.log(`| ${name} | ${f.rps} | ${row.runs.join(' / ')} | ${f.p50} | ${f.p99} | ${f.errors} | ${f.rssMb ?? '–'} | ${cpuText} | ${ratio(f.rps, peerOf(row))} | ${ratio(f.rps, limitOf(row))} |`);
  }
  const errors = rows.reduce((sum, row) => sum + row.figures.errors, 0);
  notes.unshift(`errors in every run of every round: ${errors}`);
  console.log('');
  // the target with many rules: their figures against those with 10
  if (args.rules) {
    const of = (label: string, workload: string) => table.find((r) => r.name === `${label}: ${workload}`);
    const parts = ['pay answered by rule 9901', 'pay, writes a trade'].map((workload) => {
      const [ten, many] = [of('mapi-mock (embedded)', workload), of(`mapi-mock (embedded, ${args.rules} rules)`, workload)];
      return ten && many ? `${workload} ${ratio(many.figures.rps, ten.figures.rps)}` : null;
    });
    notes.unshift(`${args.rules} rules against 10 (target 0.8×): ${parts.filter(Boolean).join(', ')}`);
  }
  for (const note of notes) console.log(`- ${note}`);
}

async function main(): Promise<void> {
  const answer = staticAnswer();
  if (answer.length !== 375) throw new Error(`static answer is ${answer.length} bytes`);
  if (!args['only-mapi']) installPeers();
  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-bench-'));
  try {
    // a group: the peers, then the mock's four workloads on a data folder or database of the round's own, `--rounds` times
    const inRounds = async (before: string, label: string, ruleCount: number, database: (r: number) => Promise<{ env: NodeJS.ProcessEnv; drop?: () => Promise<void> }>) => {
      group += 1;
      for (let r = 0; r < ROUNDS; r++) {
        await peers(answer, before);
        const { env, drop } = await database(r);
        try {
          await mapiWorkloads(label, env, ruleCount);
        } finally {
          await drop?.();
        }
      }
    };
    // each round's data folder removed after it: a pay run leaves a few hundred MB
    const embedded = (name: string) => async (r: number) => {
      const dir = join(dataDir, `${name}-${r}`);
      return { env: { DATA_DIR: dir, DATABASE_URL: '', WORKERS: '1' }, drop: async () => rmSync(dir, { recursive: true, force: true }) };
    };
    await inRounds('the embedded runs', 'mapi-mock (embedded)', 10, embedded('ten'));
    if (args.rules) await inRounds(`the runs with ${args.rules} rules`, `mapi-mock (embedded, ${args.rules} rules)`, Number(args.rules), embedded('rules'));
    if (args.postgres) {
      await inRounds('the PostgreSQL runs', 'mapi-mock (PostgreSQL, WORKERS=2)', 10, async () => {
        const server = await serverDatabase('mapi_bench');
        return { env: { DATABASE_URL: server.url, WORKERS: '2' }, drop: server.drop };
      });
      notes.push("PostgreSQL, WORKERS=2: the CPU column counts the mock's processes only; the server's own is not theirs to count");
    }
    await startup();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  report();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
