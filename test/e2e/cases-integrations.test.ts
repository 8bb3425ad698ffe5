// Two scripted till integrations against a started server: one that does what a MAPI in-store integration must (every
// case passes, and the CLI exits 0), one with the classic mistakes (each case fails, or never passes, for its reason).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CASE_IDS, type CaseId, type CaseItem, type RunningServer, startServer } from '../../src/index.ts';
import type { Partner } from '../../src/core/types.ts';
import { cli } from '../helpers/cli.ts';
import { MISTAKES, type Mistake, ScriptedPos } from '../helpers/pos.ts';

let server: RunningServer;
let notify: Server;
let notifyBase: string;
let dir: string;

before(async () => {
  server = await startServer();
  // the integration's notify_url: /success answers as it must, /ok as a classic mistake does
  notify = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(req.url === '/success' ? 'success' : 'OK'));
  });
  await new Promise<void>((resolve) => notify.listen(0, '127.0.0.1', resolve));
  notifyBase = `http://127.0.0.1:${(notify.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'mapi-cases-e2e-'));
});
after(async () => {
  await server.close();
  await new Promise<void>((resolve) => notify.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** a sale, then the till left alone (the partner's clock moved on) */
const sellAndWait = (seconds: number) => async (pos: ScriptedPos, id: string) => {
  await pos.sell(id);
  await pos.wait(seconds);
};

/** what the tester does for each case once it is started; the same script for both integrations */
const SCRIPTS: Record<CaseId, (pos: ScriptedPos, id: string) => Promise<unknown>> = {
  'pay-success': (pos, id) => pos.sell(id, { transName: '咖啡', charset: 'GBK' }),
  'pay-failed': sellAndWait(61),
  'pay-unknown-query': sellAndWait(61),
  'pay-timeout-cancel': sellAndWait(181),
  'pay-reset-recover': sellAndWait(61),
  'pay-bad-sign': sellAndWait(61),
  'refund-partial-full': async (pos, id) => {
    await pos.sell(id, { amount: '10.00' });
    await pos.refund(id, '4.00');
    await pos.refund(id, '6.00');
  },
  'refund-unknown-retry': async (pos, id) => {
    await pos.sell(id);
    await pos.refund(id, '2.00');
    await pos.wait(61);
  },
  'cancel-retry': async (pos, id) => {
    await pos.sell(id);
    await pos.void(id);
    await pos.wait(61);
  },
  'gbk-charset': (pos, id) => pos.sell(id, { transName: '咖啡', charset: 'GBK' }),
  'notify-ack': (pos, id) => pos.sell(id, { notify: true }),
};

/** the case once its verdict is in: the notification's first attempt takes real time */
async function settled(id: CaseId, partner: string): Promise<CaseItem> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const item = await server.mock.cases.get(id, partner);
    if (item.state !== 'waiting' || id !== 'notify-ack' || Date.now() > deadline) return item;
    await sleep(100);
  }
}

async function runCase(id: CaseId, partner: Partner, mistakes: readonly Mistake[]): Promise<CaseItem> {
  const pos = new ScriptedPos(server, partner, new Set(mistakes), notifyBase);
  await server.mock.cases.start(id, partner.id);
  await SCRIPTS[id](pos, `${id}-${partner.id.slice(-4)}-${mistakes.length}`);
  return settled(id, partner.id);
}

let nextPartner = 0;
/** a partner of its own, so that one case's traffic never decides another's */
const newPartner = () => server.mock.partners.add({ id: `20889000000${String(++nextPartner).padStart(5, '0')}` });

test('a correct integration passes every case on one partner, and the CLI exits 0 with a clean JUnit file', async () => {
  const partner = server.partner;
  for (const id of CASE_IDS) {
    const item = await runCase(id, partner, []);
    assert.equal(item.state, 'passed', `${id}: ${item.reason ?? 'still waiting'}`);
    assert.ok(item.evidence.length > 0, id);
  }
  const report = await server.mock.cases.report();
  assert.deepEqual([report.passed, report.failed, report.waiting, report.notStarted], [11, 0, 0, 0]);

  const file = join(dir, 'correct.xml');
  const run = await cli(['cases', 'report', '--partner', partner.id, '--url', server.url, '--junit', file]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /11 of 11 passed, 0 failed, 0 waiting, 0 not started/);
  const xml = await readFile(file, 'utf8');
  assert.equal((xml.match(/<testcase /g) ?? []).length, 11);
  assert.doesNotMatch(xml, /<failure|<skipped/);
});

/** what each case says about the integration with the classic mistakes */
const EXPECTED: Record<CaseId, [state: 'failed' | 'waiting', reason: RegExp | null]> = {
  'pay-success': ['waiting', null], // its GBK pay is refused (utf8-sign): never a SUCCESS
  'pay-failed': ['failed', /answered FAILED \(final\), yet it was queried/],
  'pay-unknown-query': ['failed', /No query of .* within 60 s of its UNKNOW/],
  'pay-timeout-cancel': ['failed', /not cancelled within 180 s of its UNKNOW/],
  'pay-reset-recover': ['failed', /After the dropped connection, nothing asked about/],
  'pay-bad-sign': ['failed', /After the answer with a bad signature, nothing asked about/],
  'refund-partial-full': ['waiting', null], // the second refund reuses the first id: the trade is never completed
  'refund-unknown-retry': ['failed', /refunded under another id/],
  'cancel-retry': ['failed', /answered FAIL with retry_flag=Y and not retried within 60 s/],
  'gbk-charset': ['failed', /refused with ILLEGAL_SIGN/],
  'notify-ack': ['failed', /answered HTTP 200 "OK" at the first attempt/],
};
const CLASSIC: Mistake[] = MISTAKES.filter((m) => m !== 'polls-forever' && m !== 'cancel-first');

test('an integration with the classic mistakes fails each case for its reason, and the CLI exits 1', async () => {
  let last: Partner | null = null;
  for (const id of CASE_IDS) {
    last = await newPartner();
    const item = await runCase(id, last, CLASSIC);
    const [state, reason] = EXPECTED[id];
    assert.equal(item.state, state, `${id}: ${item.reason ?? 'waiting'}`);
    if (reason) assert.match(item.reason!, reason, id);
  }
  const file = join(dir, 'wrong.xml');
  const run = await cli(['cases', 'report', '--partner', last!.id, '--url', server.url, '--junit', file]);
  assert.equal(run.code, 1);
  assert.match(await readFile(file, 'utf8'), /name="notify-ack: [^"]*">\n {4}<failure message="The paid notification of [^"]* answered HTTP 200 &quot;OK&quot;/);
});

test('the other classic mistakes: polling that never stops, cancelling before asking', async () => {
  const polls = await runCase('pay-unknown-query', await newPartner(), ['polls-forever']);
  assert.equal(polls.state, 'failed');
  assert.match(polls.reason!, /kept being queried after it showed TRADE_SUCCESS/);
  const pollsTimeout = await runCase('pay-timeout-cancel', await newPartner(), ['polls-forever']);
  assert.match(pollsTimeout.reason!, /not cancelled within 180 s/);
  const cancelUnknown = await runCase('pay-unknown-query', await newPartner(), ['cancel-first']);
  assert.match(cancelUnknown.reason!, /cancelled before it was queried/);
  const cancelTimeout = await runCase('pay-timeout-cancel', await newPartner(), ['cancel-first']);
  assert.match(cancelTimeout.reason!, /cancelled before any query/);
});
