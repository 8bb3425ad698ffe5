// Gateway benchmark: the pure core alone, then pay and query over HTTP on loopback (autocannon), with bare
// node:http answering a static XML as the floor measured in the same run. Not a test: it prints figures.
//   npm run bench                       (embedded PostgreSQL)
//   DATABASE_URL=postgres://... npm run bench
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { parseUrlEncoded } from '../src/core/form.ts';
import { answerAccepted, checkRequest, readRequest } from '../src/core/gateway.ts';
import type { Trade } from '../src/core/types.ts';
import type { Rule } from '../src/core/rules/types.ts';
import { openDatabase } from '../src/compose.ts';
import { createDatabase, dropDatabase } from '../src/store/db.ts';

const PARTNER = '2088000000000001';
const KEY = '0123456789abcdefghijklmnopqrstuv';
const DURATION = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

function form(params: Record<string, string>): string {
  const text = Object.keys(params).filter((k) => params[k] !== '').sort().map((k) => `${k}=${params[k]}`).join('&');
  const sign = createHash('md5').update(text + KEY).digest('hex');
  return new URLSearchParams({ ...params, sign, sign_type: 'MD5' }).toString();
}

function payForm(id: string): string {
  return form({
    service: 'alipay.acquire.overseas.spot.pay', partner: PARTNER, _input_charset: 'utf-8', alipay_seller_id: PARTNER,
    quantity: '1', trans_name: 'Coffee', partner_trans_id: id, currency: 'USD', trans_amount: '10.00',
    buyer_identity_code: '281234567890123456', identity_code_type: 'barcode', trans_create_time: '20240101120000',
    biz_product: 'OVERSEAS_MBARCODE_PAY',
  });
}
const queryForm = (id: string) =>
  form({ service: 'alipay.acquire.overseas.query', partner: PARTNER, _input_charset: 'utf-8', partner_trans_id: id });

/** parse → decode → verify → decide → render → sign → GBK: the gateway's own pure functions, with no I/O. */
function benchCore(): { pay: number; query: number } {
  const partner = { id: PARTNER, key: KEY };
  const now = new Date();
  let paidTrade: Trade | null = null;
  const run = (body: Buffer, trade: Trade | null): Trade | undefined => {
    const read = readRequest([], parseUrlEncoded(body));
    if (!read.ok) throw new Error(read.error);
    const verdict = checkRequest(read.request, () => partner);
    if (verdict.kind !== 'accept') throw new Error(verdict.kind);
    const { decision } = answerAccepted({
      accepted: verdict, rule: null, now, trade, existingRefund: null,
      freshAlipayTransId: '2024010122001234567890123456',
    });
    return decision.trade;
  };
  const measure = (fn: (i: number) => void): number => {
    for (let i = 0; i < 2000; i++) fn(i);
    const end = performance.now() + 2000;
    let n = 0;
    const start = performance.now();
    while (performance.now() < end) for (let j = 0; j < 100; j++) fn(n++);
    return Math.round(n / ((performance.now() - start) / 1000));
  };
  const pays = Array.from({ length: 1000 }, (_, i) => Buffer.from(payForm(`CORE${i}`)));
  paidTrade = run(pays[0]!, null)!;
  const queryBody = Buffer.from(queryForm('CORE0'));

  return { pay: measure((i) => run(pays[i % 1000]!, null)), query: measure(() => run(queryBody, paidTrade)) };
}

interface HttpFigures { rps: number; p50: number; p99: number; errors: number; non2xx: number }

async function load(url: string, body: (i: number) => string): Promise<HttpFigures> {
  let i = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (req) => ({ ...req, body: body(i++) }),
    }],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** One connection, one request at a time: the service time of a request, with no queue in front of it. */
async function sequentialLatency(url: string, body: (i: number) => string, count: number): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const payload = body(i);
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(payload);
    });
    if (i >= count / 10) times.push(performance.now() - started); // the first tenth warms up
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(3));
  return { p50: at(0.5), p99: at(0.99) };
}

async function startMock(env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess }> {
  // WORKERS is passed through from the benchmark's own environment
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`mock exited with ${code}: ${out}`)));
  });
  return { url, child };
}

async function bareNodeHttp(): Promise<HttpFigures> {
  const xml = Buffer.from('<?xml version="1.0" encoding="GBK"?><alipay><is_success>T</is_success></alipay>');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml; charset=GBK' }).end(xml));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  try {
    return await load(`http://127.0.0.1:${port}/gateway.do`, () => 'a=1');
  } finally {
    server.close();
  }
}

/**
 * `count` custom pay rules spread over 100 partners and many amounts, none of which matches the benchmark's
 * requests (amount 10.00 of the default partner): the gateway must still find that out on every request.
 */
function customRules(count: number): Rule[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `bench-${i}`,
    name: `bench ${i}`,
    service: 'alipay.acquire.overseas.spot.pay' as const,
    partner: i % 100 === 0 ? PARTNER : `20880000000${String(10000 + (i % 100)).padStart(5, '0')}`,
    priority: i % 7,
    enabled: true,
    activeUntil: null,
    remainingUses: null,
    when: [{ param: 'trans_amount', op: 'eq' as const, value: `${1000 + i}.${String(i % 100).padStart(2, '0')}` }],
    then: { type: 'business' as const, resultCode: 'FAILED', error: 'SYSTEM_ERROR' },
  }));
}

async function installRules(env: NodeJS.ProcessEnv, count: number): Promise<void> {
  const { stores } = await openDatabase(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.DATA_DIR! });
  try {
    await stores.rules.importCustom(customRules(count), 'replace');
  } finally {
    await stores.database.close();
  }
}

function table(title: string, rows: Array<[string, HttpFigures]>): void {
  console.log(`\n${title}`);
  console.log('run'.padEnd(40), 'req/s'.padStart(8), 'p50 ms'.padStart(8), 'p99 ms'.padStart(8), 'errors'.padStart(7), 'non-2xx'.padStart(8));
  for (const [name, f] of rows) {
    console.log(name.padEnd(40), String(f.rps).padStart(8), String(f.p50).padStart(8), String(f.p99).padStart(8), String(f.errors).padStart(7), String(f.non2xx).padStart(8));
  }
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  const kind = serverUrl ? 'PostgreSQL' : 'embedded PostgreSQL';
  const workers = process.env.WORKERS ?? '1';
  console.log(`mapi-mock gateway benchmark — ${kind}, WORKERS=${workers}, ${CONNECTIONS} connections, ${DURATION}s per run, node ${process.version}`);

  const core = benchCore();
  console.log(`core (pure, one thread): pay ${core.pay} req/s, query ${core.query} req/s`);

  const dataDir = mkdtempSync(join(tmpdir(), 'mapi-bench-'));
  const dbName = `mapi_bench_${process.pid}`;
  const env: NodeJS.ProcessEnv = serverUrl
    ? { DATABASE_URL: await createDatabase(serverUrl, dbName) }
    : { DATA_DIR: dataDir, DATABASE_URL: '' };
  const rows: Array<[string, HttpFigures]> = [];
  const latencies: Array<[number, { p50: number; p99: number }]> = [];
  const run = Date.now();
  try {
    rows.push(['node:http static XML (floor)', await bareNodeHttp()]);
    for (const count of [10, 10_000]) {
      await installRules(env, count);
      const { url, child } = await startMock(env);
      try {
        latencies.push([count, await sequentialLatency(`${url}/gateway.do`, (i) => payForm(`L${run}-${count}-${i}`), 3000)]);
        rows.push([`pay, ${count} custom rules (new trade each)`, await load(`${url}/gateway.do`, (i) => payForm(`B${run}-${count}-${i}`))]);
        rows.push([`query, ${count} custom rules (paid trade)`, await load(`${url}/gateway.do`, () => queryForm(`B${run}-${count}-0`))]);
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (serverUrl) await dropDatabase(serverUrl, dbName);
  }
  table('HTTP on loopback (autocannon, same run):', rows);
  console.log('\npay latency, one connection, sequential (3,000 requests, ms):');
  for (const [count, l] of latencies) console.log(`  ${String(count).padStart(6)} custom rules: p50 ${l.p50}  p99 ${l.p99}`);
  const ratio = latencies[1]![1].p50 / latencies[0]![1].p50;
  console.log(`pay p50 with 10,000 rules / with 10 rules: ${ratio.toFixed(2)} (target ≤ 1.5)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
