// The servers the benchmark drives: WireMock and mountebank (installed into a cache folder, never into the
// project's dependencies), a bare node:http server (the limit of this load on this machine), and mapi-mock.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PAY } from './requests.ts';

export const PEERS = { wiremock: '3.13.2', mountebank: '2.9.1' } as const;
export const CACHE = process.env.BENCH_CACHE ?? join(homedir(), '.cache', 'mapi-mock-bench');

export interface Target {
  url: string;
  /** the server's process (for its memory), when it is not this one */
  pid: number | null;
  stop(): Promise<void>;
}

/** npm install --prefix CACHE, once: the peers stay out of package.json and package-lock.json. */
export function installPeers(): void {
  const have = (name: string, version: string) => {
    const file = join(CACHE, 'node_modules', name, 'package.json');
    return existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version === version;
  };
  if (have('wiremock', PEERS.wiremock) && have('mountebank', PEERS.mountebank)) return;
  console.log(`installing WireMock ${PEERS.wiremock} and mountebank ${PEERS.mountebank} into ${CACHE} ...`);
  execFileSync('npm', ['install', '--prefix', CACHE, '--no-save', '--no-audit', '--no-fund', `wiremock@${PEERS.wiremock}`, `mountebank@${PEERS.mountebank}`], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/**
 * Memory of a process and all its descendants (postgres), in MB: the sum of their proportional set
 * sizes, so that memory the processes share (PostgreSQL's shared buffers) is counted once, not once per process.
 */
export function treeMemoryMb(pid: number): number {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'));
      kb += Number(m?.[1] ?? 0);
    } catch {
      // gone meanwhile
    }
  }
  return Math.round(kb / 1024);
}

/** CPU seconds (user + system) used so far by each process of the tree, by its command name */
export function treeCpuSeconds(pid: number): Map<string, number> {
  const ticks = 100; // USER_HZ on Linux
  const out = new Map<string, number>();
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticks);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** a process and all its descendants */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const visit = (p: number) => {
    found.push(p);
    for (const c of children.get(p) ?? []) visit(c);
  };
  visit(pid);
  return found;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

/** bare-server.mjs in a process of its own: in the load generator's process it would share that process's core. */
export async function startBareNode(port: number, answer: Buffer): Promise<Target> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./bare-server.mjs', import.meta.url)), String(port), answer.toString('base64')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}/gateway.do`;
  await waitFor(async () => (await fetch(url, { method: 'POST', body: 'x' })).ok, 10_000, 'node:http');
  return { url, pid: child.pid!, stop: () => stopChild(child) };
}

export async function startWireMock(port: number, answer: Buffer): Promise<Target> {
  const jar = join(CACHE, 'node_modules', 'wiremock', 'build', `wiremock-standalone-${PEERS.wiremock}.jar`);
  // its root (the mappings/ and __files/ it makes at start) in the cache folder, not in the project's working tree
  const root = join(CACHE, 'wiremock-root');
  const child = spawn('java', ['-jar', jar, '--port', String(port), '--bind-address', '127.0.0.1', '--disable-banner', '--root-dir', root], { stdio: 'ignore' });
  const admin = `http://127.0.0.1:${port}/__admin`;
  await waitFor(async () => (await fetch(`${admin}/health`)).ok, 60_000, 'WireMock');
  const res = await fetch(`${admin}/mappings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      request: { method: 'POST', urlPath: '/gateway.do', formParameters: { service: { equalTo: PAY } } },
      response: { status: 200, headers: { 'Content-Type': 'text/xml; charset=GBK' }, base64Body: answer.toString('base64') },
    }),
  });
  if (!res.ok) throw new Error(`WireMock refused the stub: ${res.status} ${await res.text()}`);
  return { url: `http://127.0.0.1:${port}/gateway.do`, pid: child.pid!, stop: () => stopChild(child) };
}

export async function startMountebank(port: number, impostor: number, answer: Buffer): Promise<Target> {
  const mb = join(CACHE, 'node_modules', 'mountebank', 'bin', 'mb');
  const child = spawn(process.execPath, [mb, 'start', '--port', String(port), '--host', '127.0.0.1', '--loglevel', 'warn', '--nologfile'], { stdio: 'ignore' });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/imposters`)).ok, 30_000, 'mountebank');
  const res = await fetch(`http://127.0.0.1:${port}/imposters`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      port: impostor,
      host: '127.0.0.1',
      protocol: 'http',
      recordRequests: false,
      stubs: [{
        predicates: [{ equals: { method: 'POST', path: '/gateway.do', form: { service: PAY } } }],
        responses: [{ is: { statusCode: 200, headers: { 'Content-Type': 'text/xml; charset=GBK', Connection: 'keep-alive' }, body: answer.toString('base64'), _mode: 'binary' } }],
      }],
    }),
  });
  if (!res.ok) throw new Error(`mountebank refused the imposter: ${res.status} ${await res.text()}`);
  return { url: `http://127.0.0.1:${impostor}/gateway.do`, pid: child.pid!, stop: () => stopChild(child) };
}

/** mapi-mock from the working tree as `npm start` runs it (node scripts/start.mjs), or through npm itself (start-up times). */
export async function startMapiMock(port: number, env: NodeJS.ProcessEnv, viaNpm = false, nodeArgs: string[] = []): Promise<Target & { startedMs: number }> {
  const started = performance.now();
  const [command, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, [...nodeArgs, 'scripts/start.mjs']];
  // a group of its own: npm stands between us and the server, and the stop must reach the server itself
  const child = spawn(command, args, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}/gateway.do`;
  await waitFor(async () => (await fetch(url)).ok, 60_000, 'mapi-mock');
  const stop = async () => {
    const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    // npm may be gone before the server has flushed and let go of its data folder
    await waitFor(async () => !(await fetch(url).then(() => true, () => false)), 15_000, 'mapi-mock to stop');
    if (env.DATA_DIR) await waitFor(async () => !existsSync(join(env.DATA_DIR!, 'mapi-mock.lock')), 15_000, 'the data folder lock');
  };
  return { url, pid: child.pid!, startedMs: performance.now() - started, stop };
}

/** a database of its own on the server of DATABASE_URL (`--postgres`), for one run: its URL, and how to drop it after */
export async function serverDatabase(prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('--postgres needs DATABASE_URL');
  const { createDatabase, dropDatabase } = await import('../../src/store/db.ts');
  const name = `${prefix}_${process.pid}`;
  return { url: await createDatabase(url, name), drop: () => dropDatabase(url, name) };
}
