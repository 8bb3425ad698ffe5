// Run by the benchmark in a process of its own: how long a test suite waits from createApp() to its first
// answer, for the first app of the process and for the next one. Prints one JSON line.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

const importStarted = performance.now();
const { createApp } = await import('../../src/index.ts');
const importMs = performance.now() - importStarted;
const { queryForm } = await import('./requests.ts');

async function firstAnswer(): Promise<number> {
  const started = performance.now();
  const app = createApp();
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/gateway.do`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: queryForm('T1'),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200 || !text.includes('TRADE_NOT_EXIST')) throw new Error(`unexpected answer ${res.status}: ${text}`);
  server.close();
  await app.mock.close();
  return ms;
}

const first = await firstAnswer();
const second = await firstAnswer();
console.log(JSON.stringify({ importMs, first, second }));
