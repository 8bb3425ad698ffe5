// A real server process, started as `npm start` starts it (scripts/start.mjs: src/ compiled, on plain Node), for tests that kill it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { encodeForm, parseAnswer, signed } from './mapi.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port nobody listens on, from `from` up (a fixed range keeps tests off other services' ports). */
export async function freePort(from = 18100, to = 18199): Promise<number> {
  for (let port = from; port <= to; port++) {
    const probe = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }
  }
  throw new Error(`no free port in ${from}-${to}`);
}

export interface ServerChild {
  process: ChildProcess;
  url: string;
  output(): string;
}

/**
 * Starts the server as npm start does (scripts/start.mjs) with `env` on 127.0.0.1:port and resolves once /healthz
 * answers 200; from this checkout, or from the one at `root`.
 */
export async function startServerChild(port: number, env: Record<string, string>, timeoutMs = 180_000, root = ROOT): Promise<ServerChild> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    const ok = await fetch(`${url}/healthz`).then((res) => res.ok, () => false);
    if (ok) return { process: child, url, output: () => output };
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`the server did not answer within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function killChild(child: ServerChild, signal: NodeJS.Signals): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  const exited = once(child.process, 'exit');
  child.process.kill(signal);
  await exited;
}

/** a signed gateway request to a server child, its answer parsed as a client would */
export async function childGateway(child: ServerChild, params: Record<string, string>) {
  const res = await fetch(`${child.url}/gateway.do`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: encodeForm(signed(params)),
  });
  return parseAnswer(res.status, String(res.headers.get('content-type')), Buffer.from(await res.arrayBuffer()));
}

/**
 * The pays among `ids` a query does not find paid, 16 queries at a time, each with what the query said (so that a
 * failure tells a lost trade, TRADE_NOT_EXIST, from a server that errs).
 */
export async function unpaidTrades(child: ServerChild, ids: string[]): Promise<string[]> {
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map(async (id) => {
        const query = await childGateway(child, { service: 'alipay.acquire.overseas.query', partner_trans_id: id });
        const said = [query.fields.alipay_trans_status, query.fields.result_code, query.fields.error, query.fields.detail_error_code, query.error].filter(Boolean).join('/');
        if (query.fields.alipay_trans_status !== 'TRADE_SUCCESS') missing.push(`${id}: ${said || 'no fields'}`);
      }),
    );
  }
  return missing;
}

/** waits until `ok()` holds, looking every 20 ms, for at most `ms` (the caller asserts what it waited for) */
export async function waitUntil(ok: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ok() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
}
