// npm run fuzz [-- --count N --seed S --concurrency C]: seeded requests of every shape against an in-process server
// on loopback (the stack `npm start` runs: the store, the context, the app, the HTTP server). Every answer is checked
// as a client reads it (bench/fuzz-check.ts); each failure leaves a reproducer; at the end the request log must hold
// exactly one entry per request sent. Not a test: it prints its figures and exits 1 on any failure.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type DatabaseOptions, startMock } from '../src/compose.ts';
import { createHttpServer } from '../src/http/http-server.ts';
import { createDatabase, dropDatabase } from '../src/store/db.ts';
import { KEY, PARTNER, FuzzCases, type FuzzRequest, prng } from './fuzz-cases.ts';
import { type FuzzResponse, checkAnswer, send } from './fuzz-check.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    seed: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '16' },
    out: { type: 'string', default: 'bench/out/fuzz-failures' },
  },
});
const COUNT = Number(args.count);
const SEED = Number(args.seed);
const CONCURRENCY = Number(args.concurrency);
if (!Number.isInteger(COUNT) || COUNT < 1 || !Number.isInteger(SEED) || !Number.isInteger(CONCURRENCY) || CONCURRENCY < 1) {
  console.error('usage: npm run fuzz -- [--count N] [--seed S] [--concurrency C] [--out DIR]');
  process.exit(2);
}
const OUT = join(args.out!, `seed-${SEED}`);
const MAX_REPRODUCERS = 200;

async function fuzzDatabase(): Promise<{ database: DatabaseOptions; label: string; cleanup: () => Promise<void> }> {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const name = `mapi_fuzz_${randomBytes(6).toString('hex')}`;
    const database = { databaseUrl: await createDatabase(serverUrl, name) };
    return { database, label: 'PostgreSQL (DATABASE_URL)', cleanup: () => dropDatabase(serverUrl, name) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'mapi-fuzz-'));
  return { database: { dataDir: dir }, label: 'embedded PostgreSQL (temporary DATA_DIR)', cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
}

function writeReproducer(index: number, req: FuzzRequest, res: FuzzResponse | null, problems: string[]): string {
  mkdirSync(OUT, { recursive: true });
  const base = join(OUT, `${String(index).padStart(6, '0')}-${req.shape}`);
  writeFileSync(`${base}.body`, req.body);
  const headers = Object.entries(req.headers).map(([name, value]) => ` -H '${name}: ${value}'`).join('');
  const curl = `curl -sS -X ${req.method} 'http://127.0.0.1:8080${req.path}'${headers} --data-binary @${base}.body | iconv -f GBK -t UTF-8`;
  writeFileSync(`${base}.json`, `${JSON.stringify({ seed: SEED, index, problems, request: { ...req, body: req.body.toString('base64') }, curl,
    response: res && { status: res.status, contentType: res.contentType, body: res.body.toString('latin1') } }, null, 2)}\n`);
  return base;
}

async function main(): Promise<void> {
  const { database, label, cleanup } = await fuzzDatabase();
  const backgroundErrors: unknown[] = [];
  // no retention: the log must end with one entry per request sent, however many that is
  const { ctx, stores, createApp } = await startMock({
    database, defaultPartner: { id: PARTNER, key: KEY }, onError: (e) => backgroundErrors.push(e),
    requestLogRetention: { maxEntries: null, maxAgeHours: null },
  });
  const server = createHttpServer(createApp()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  console.log(`fuzz: ${COUNT} requests, seed ${SEED}, ${CONCURRENCY} connections, ${label}, http://127.0.0.1:${port}`);

  const cases = new FuzzCases(prng(SEED));
  const byShape = new Map<string, { sent: number; failed: number }>();
  const byProblem = new Map<string, number>();
  let next = 0;
  let failures = 0;
  let firstReproducer: string | null = null;
  const started = performance.now();
  const worker = async () => {
    while (next < COUNT) {
      const index = next++;
      const req = cases.next(index);
      const shape = byShape.get(req.shape) ?? { sent: 0, failed: 0 };
      byShape.set(req.shape, shape);
      shape.sent += 1;
      let res: FuzzResponse | null = null;
      let problems: string[];
      try {
        res = await send(agent, port, req);
        problems = checkAnswer(req, res);
      } catch (error) {
        problems = [`no answer: ${(error as Error).message}`];
      }
      if (problems.length === 0) continue;
      failures += 1;
      shape.failed += 1;
      for (const problem of problems) {
        const kind = problem.replace(/\d{3,}/g, 'N');
        byProblem.set(kind, (byProblem.get(kind) ?? 0) + 1);
      }
      if (failures <= MAX_REPRODUCERS) {
        const base = writeReproducer(index, req, res, problems);
        firstReproducer ??= base;
      }
    }
  };
  const progress = setInterval(() => console.log(`  ${next} sent, ${failures} failures, ${Math.round(next / ((performance.now() - started) / 1000))} req/s`), 10_000);
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  server.close();

  await ctx.flush();
  const logged = await stores.requestLog.count();
  const lost = COUNT - logged;
  console.log(`\nrequests:        ${COUNT} in ${seconds.toFixed(1)} s (${Math.round(COUNT / seconds)} req/s, machine shared: noisy)`);
  for (const [shape, { sent, failed }] of [...byShape].sort()) console.log(`  ${shape.padEnd(22)} ${String(sent).padStart(7)} sent, ${failed} failed`);
  console.log(`failures:        ${failures}`);
  for (const [problem, count] of [...byProblem].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${String(count).padStart(7)}  ${problem}`);
  if (firstReproducer) console.log(`reproducers:     ${relative(process.cwd(), OUT)}/ (first: ${relative(process.cwd(), firstReproducer)}.json)`);
  console.log(`request log:     ${logged} entries for ${COUNT} requests: ${lost} lost (writer counted ${ctx.requestLog.lost} it could not store)`);
  console.log(`background errors: ${backgroundErrors.length}${backgroundErrors.length > 0 ? ` (first: ${String(backgroundErrors[0])})` : ''}`);
  await ctx.close();
  await cleanup();
  process.exitCode = failures > 0 || lost !== 0 ? 1 : 0;
}

await main();
