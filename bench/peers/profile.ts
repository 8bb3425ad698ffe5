// npm run bench:profile -- --workload pay [--postgres --workers 2] [--no-profile] [--timeline] — one workload of bench:peers against a mapi-mock started with
// `node --cpu-prof`: where the server's main thread spends its time (by area and by function), and how the CPU
// of the whole run splits between the Node process and its PostgreSQL. Not a test: it prints figures.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measure, stalls } from './load.ts';
import { payForm, queryForm, refundForm } from './requests.ts';
import { serverDatabase, startMapiMock, treeCpuSeconds } from './targets.ts';

const { values: args } = parseArgs({
  options: {
    workload: { type: 'string', default: 'pay' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string', default: 'bench/out/profile' },
    // on the PostgreSQL server of DATABASE_URL (a database made for the run) instead of the embedded one
    postgres: { type: 'boolean', default: false },
    workers: { type: 'string', default: '1' },
    // the same run without the profiler (whose sampling costs the server CPU of its own): req/s and CPU only
    'no-profile': { type: 'boolean', default: false },
    // also the run's 100 ms windows with the slowest answers: stalls (every answer waiting on one thing) show here
    timeline: { type: 'boolean', default: false },
  },
});
const PORT = Number(process.env.BENCH_PORT ?? 18300) + 7;
const run = Date.now().toString(36);
const WORKLOADS: Record<string, { body: (i: number) => string; resultCode: string; needsTrades?: boolean }> = {
  rule: { body: (i) => payForm(`R${run}-${i}`, '9901'), resultCode: 'FAILED' },
  pay: { body: (i) => payForm(`P${run}-${i}`), resultCode: 'SUCCESS' },
  query: { body: () => queryForm(`T${run}-0`), resultCode: 'SUCCESS', needsTrades: true },
  refund: { body: (i) => refundForm(`T${run}-${i % 2000}`, `F${run}-${i}`), resultCode: 'SUCCESS', needsTrades: true },
};

async function main(): Promise<void> {
  const workload = WORKLOADS[args.workload];
  if (!workload) throw new Error(`--workload is one of ${Object.keys(WORKLOADS).join(', ')}`);
  const out = join(args.out, `${args.workload}-${run}`);
  mkdirSync(out, { recursive: true });
  // the load run on the monotonic clock (µs), which the profile's sample times are on too
  const window: bigint[] = [0n, 0n];
  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-bench-prof-'));
  const server = args.postgres ? await serverDatabase('mapi_profile') : null;
  const mock = await startMapiMock(PORT, { DATA_DIR: dataDir, DATABASE_URL: server?.url ?? '', WORKERS: args.workers }, false, args['no-profile'] ? [] : ['--cpu-prof', `--cpu-prof-dir=${out}`]);
  try {
    const connections = Number(args.connections);
    if (workload.needsTrades) {
      await measure({ url: mock.url, connections, seconds: 3, body: (i) => payForm(`T${run}-${i}`), resultCode: 'SUCCESS' });
    }
    // one count for the warm-up and the run: a pay numbered again would be a retry, answered under the lock
    const counter = { i: 0 };
    await measure({ url: mock.url, connections, seconds: 2, body: workload.body, resultCode: workload.resultCode }, counter);
    const before = treeCpuSeconds(mock.pid!);
    window[0] = process.hrtime.bigint() / 1000n;
    const timeline: Array<[number, number]> | undefined = args.timeline ? [] : undefined;
    const f = await measure({ url: mock.url, connections, seconds: Number(args.seconds), body: workload.body, resultCode: workload.resultCode, timeline }, counter);
    window[1] = process.hrtime.bigint() / 1000n;
    const after = treeCpuSeconds(mock.pid!);
    console.log(`${args.workload}: ${f.rps} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, errors ${f.errors}, ${f.requests} requests`);
    const cpu = [...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)] as const).filter(([, s]) => s > 0.05);
    console.log(`CPU seconds during the ${args.seconds} s run: ${cpu.map(([n, s]) => `${n} ${s.toFixed(1)}`).join(', ')}`);
    for (const [name, s] of cpu) console.log(`  ${name}: ${((s / f.requests) * 1e6).toFixed(0)} µs per request`);
    if (timeline) console.log(stalls(timeline));
  } finally {
    await mock.stop();
    await server?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (args['no-profile']) return rmSync(out, { recursive: true, force: true });
  // the main thread's profile is the largest
  const file = readdirSync(out).filter((name) => name.endsWith('.cpuprofile')).sort((a, b) => statSync(join(out, b)).size - statSync(join(out, a)).size)[0];
  if (!file) throw new Error(`no profile in ${out}`);
  console.log(`profile: ${join(out, file)} (the load run only)`);
  console.log(execFileSync(process.execPath, ['--import', 'tsx', 'bench/profile-summary.ts', join(out, file), String(window[0]), String(window[1])], { encoding: 'utf8' }));
}

await main();
