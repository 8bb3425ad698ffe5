// Drives the gateway with clients written in PHP and Ruby the way real MAPI clients are (the official PHP demo's
// multipart POST, the Ruby gem's signed GET with empty values kept). Skipped where php or ruby is not installed
// (.ci/run installs them from Debian).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type TestApp, KEY, PARTNER, createTestApp } from '../helpers/app.ts';
import { payParams, tradeId } from '../helpers/mapi.ts';

const has = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const php = has('php', ['-r', 'exit(function_exists("curl_init") && function_exists("simplexml_load_string") && function_exists("iconv") ? 0 : 1);']);
const ruby = has('ruby', ['-e', 'require "rexml/document"']);

let t: TestApp;
let server: Server;
let gateway: string;
before(async () => {
  t = await createTestApp({ now: Date.now() });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do`;
});
after(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});

interface StepResult {
  status: number;
  type: string;
  is_success: string;
  sign_ok?: boolean;
  error?: string;
  fields?: Record<string, string>;
}

type Step = { params: Record<string, string>; tamper?: boolean };

async function runClient(cmd: string, args: string[], steps: Step[]): Promise<StepResult[]> {
  // execFileSync would block the event loop that serves the requests: run it asynchronously.
  const out = await new Promise<string>((resolve, reject) =>
    execFile(cmd, [...args, ...steps.map((s) => JSON.stringify(s))], { timeout: 60_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
  return out.trim().split('\n').map((line) => JSON.parse(line) as StepResult);
}


const script = (name: string) => fileURLToPath(new URL(name, import.meta.url));

function flow(id: string, name: string): Step[] {
  const { alipay_seller_id: _s, quantity: _q, ...pay } = payParams({ partner_trans_id: id, trans_name: name, trans_amount: '12.50' });
  return [
    { params: { ...pay, alipay_seller_id: PARTNER } },
    { params: { service: 'alipay.acquire.overseas.query', partner_trans_id: id } },
    { params: { service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: id, partner_refund_id: `${id}R1`, refund_amount: '2.50', currency: 'USD', refund_reason: '退一杯' } },
    { params: { service: 'alipay.acquire.overseas.query', partner_trans_id: id } },
    { params: { service: 'alipay.acquire.cancel', out_trade_no: id, timestamp: String(Date.now()) } },
    { params: { service: 'alipay.acquire.overseas.query', partner_trans_id: id }, tamper: true },
  ];
}

function assertFlow(results: StepResult[], id: string): void {
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.type, 'text/xml; charset=GBK');
  }
  const [pay, query, refund, query2, cancel, tampered] = results;
  assert.deepEqual([pay!.is_success, pay!.sign_ok, pay!.fields!.result_code, pay!.fields!.partner_trans_id], ['T', true, 'SUCCESS', id]);
  assert.deepEqual([query!.sign_ok, query!.fields!.alipay_trans_status], [true, 'TRADE_SUCCESS']);
  assert.deepEqual([refund!.sign_ok, refund!.fields!.result_code, refund!.fields!.refund_amount], [true, 'SUCCESS', '2.50']);
  assert.equal(query2!.fields!.alipay_trans_status, 'TRADE_SUCCESS');
  assert.deepEqual([cancel!.sign_ok, cancel!.fields!.result_code, cancel!.fields!.action], [true, 'SUCCESS', 'refund']);
  if (tampered!.is_success === 'F') assert.equal(tampered!.error, 'ILLEGAL_SIGN');
  else assert.equal(tampered!.fields!.alipay_trans_status, 'TRADE_CLOSED');
}

describe('the official PHP demo (multipart POST)', { skip: php ? false : 'php with curl and simplexml is not installed' }, () => {
  test('UTF-8: pay → query → refund → query → cancel; a tampered sign is ILLEGAL_SIGN', async () => {
    const id = tradeId('PHPU');
    const results = await runClient('php', [script('official-demo.php'), gateway, PARTNER, KEY, 'utf-8'], flow(id, '咖啡'));
    assertFlow(results, id);
    assert.deepEqual([results[5]!.is_success, results[5]!.error], ['F', 'ILLEGAL_SIGN']);
  });
  test('GBK: the same flow with Chinese text signed over GBK bytes', async () => {
    const id = tradeId('PHPG');
    assertFlow(await runClient('php', [script('official-demo.php'), gateway, PARTNER, KEY, 'GBK'], flow(id, '咖啡两杯')), id);
  });
});

describe('the Ruby gem style (signed GET, empty values kept)', { skip: ruby ? false : 'ruby is not installed' }, () => {
  test('pay → query → refund → query → cancel, with an empty memo in the signature', async () => {
    const id = tradeId('RB');
    const steps = flow(id, '咖啡');
    steps[0]!.params.memo = '';
    const results = await runClient('ruby', [script('gem-style.rb'), gateway, PARTNER, KEY], steps.slice(0, 5));
    assertFlow([...results, { status: 200, type: 'text/xml; charset=GBK', is_success: 'F', error: 'ILLEGAL_SIGN' }], id);
  });
});
