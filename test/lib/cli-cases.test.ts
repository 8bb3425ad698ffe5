// mapi-mock cases report against a started server: the table, the exit code and the JUnit file agree with the cases.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, startServer } from '../../src/index.ts';
import { cli } from '../helpers/cli.ts';

const TOKEN = 'cli-cases-token';
let server: RunningServer;
let dir: string;
before(async () => {
  server = await startServer({ adminToken: TOKEN });
  dir = await mkdtemp(join(tmpdir(), 'mapi-cases-'));
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});


const report = (extra: string[] = []) => cli(['cases', 'report', '--partner', server.partner.id, '--url', server.url, ...extra], { ADMIN_TOKEN: TOKEN });
const coffee = { amount: '10.00', currency: 'USD', buyerCode: '281234567890123456', transName: 'Coffee' };

test('nothing started: exit 1, every case skipped in the JUnit file', async () => {
  const file = join(dir, 'none.xml');
  const { code, stdout, stderr } = await report(['--junit', file]);
  assert.equal(code, 1, stderr);
  assert.match(stdout, /0 of 11 passed, 0 failed, 0 waiting, 11 not started/);
  assert.match(stderr, /no case was started/);
  const xml = await readFile(file, 'utf8');
  assert.equal((xml.match(/<skipped\/>/g) ?? []).length, 11);
});

test('every started case passed: exit 0; one failed or waiting: exit 1, and the JUnit file says which', async () => {
  await server.mock.cases.start('pay-success');
  await server.client().pay({ ...coffee, partnerTransId: 'CLI-1' });
  const passing = join(dir, 'pass.xml');
  const ok = await report(['--junit', passing]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^passed\s+pay-success\s+The pay CLI-1 was answered SUCCESS\./m);
  assert.match(await readFile(passing, 'utf8'), /<testcase classname="mapi-mock" name="pay-success: A pay that succeeds"\/>/);

  await server.mock.cases.start('gbk-charset');
  const waiting = await report();
  assert.equal(waiting.code, 1);
  assert.match(waiting.stdout, /^waiting\s+gbk-charset\s+not passed yet/m);

  await server.mock.cases.reset('gbk-charset');
  await server.mock.cases.start('pay-failed');
  await server.client().pay({ ...coffee, partnerTransId: 'CLI-2' });
  await server.client().query({ partnerTransId: 'CLI-2' });
  const failing = join(dir, 'fail.xml');
  const bad = await report(['--junit', failing]);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^FAILED\s+pay-failed\s+The pay CLI-2 was answered FAILED/m);
  const xml = await readFile(failing, 'utf8');
  assert.match(xml, /<testsuite name="mapi-mock test cases" tests="11" failures="1" errors="0" skipped="9">/);
  assert.match(xml, /name="pay-failed: A pay that fails is final">\n {4}<failure message="The pay CLI-2 was answered FAILED \(final\), yet it was queried afterwards/);
});

test('without the token, an unknown partner or no server: exit 1 with the reason; no --partner: exit 2', async () => {
  const noToken = await cli(['cases', 'report', '--partner', server.partner.id, '--url', server.url]);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /HTTP 401.*set ADMIN_TOKEN/);
  const stranger = await cli(['cases', 'report', '--partner', '2088999999999999', '--url', server.url], { ADMIN_TOKEN: TOKEN });
  assert.equal(stranger.code, 1);
  assert.match(stranger.stderr, /HTTP 404: partner no partner 2088999999999999/);
  const nobody = await cli(['cases', 'report', '--partner', server.partner.id, '--url', 'http://127.0.0.1:18499']);
  assert.equal(nobody.code, 1);
  assert.match(nobody.stderr, /cannot reach the mock at http:\/\/127.0.0.1:18499/);
  const usage = await cli(['cases', 'report']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /Usage: mapi-mock cases report/);
  assert.equal((await cli(['cases', '--help'])).code, 0);
});
