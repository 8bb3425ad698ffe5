// GET /metrics: what an operator's Prometheus scrapes after some gateway traffic, per running mock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import request from 'supertest';
import { createApp } from '../../src/http/app.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams, rawCall } from '../helpers/mapi.ts';

const PAY = 'alipay.acquire.overseas.spot.pay';

let t: TestApp;
before(async () => {
  t = await createTestApp({ notify: { notifyIntervalMs: 30, notifyRetryDelaysMs: [60_000] } });
});
after(() => t.close());

async function scrape(app = t.app): Promise<string> {
  const res = await request(app).get('/metrics').expect(200);
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return res.text;
}

/** the value of one sample, e.g. `mapi_mock_rule_hits_total{rule="x"}`; null when the series is not there */
function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

test('requests by service and result, rule hits and the latency histogram, as counted after some gateway requests', async () => {
  assert.equal((await call(t.app, payParams())).fields.result_code, 'SUCCESS');
  assert.equal((await call(t.app, payParams())).fields.result_code, 'SUCCESS');
  // the default rule for amount 9902: a business failure
  assert.equal((await call(t.app, payParams({ trans_amount: '9902' }))).fields.error, 'BUYER_BALANCE_NOT_ENOUGH');
  // a wrong signature: a gateway error
  const badSign = await rawCall(t.app, { body: `service=${PAY}&partner=2088000000000001&sign_type=MD5&sign=0123`, contentType: 'application/x-www-form-urlencoded' });
  assert.deepEqual([badSign.isSuccess, badSign.error], ['F', 'ILLEGAL_SIGN']);
  // a service nobody knows: counted under `other`, so that a client cannot grow the label set
  const unknown = await call(t.app, { service: 'made.up.service.name' });
  assert.deepEqual([unknown.isSuccess, unknown.error], ['F', 'ILLEGAL_SERVICE']);

  const text = await scrape();
  assert.equal(sample(text, `mapi_mock_gateway_requests_total{service="${PAY}",is_success="T",result="SUCCESS"}`), 2);
  assert.equal(sample(text, `mapi_mock_gateway_requests_total{service="${PAY}",is_success="T",result="FAILED"}`), 1);
  assert.equal(sample(text, `mapi_mock_gateway_requests_total{service="${PAY}",is_success="F",result="ILLEGAL_SIGN"}`), 1);
  assert.equal(sample(text, 'mapi_mock_rule_hits_total{rule="pay-9902-balance-not-enough"}'), 1);
  assert.equal(sample(text, `mapi_mock_gateway_request_duration_seconds_count{service="${PAY}"}`), 4);
  assert.equal(sample(text, `mapi_mock_gateway_request_duration_seconds_bucket{le="+Inf",service="${PAY}"}`), 4);
  assert.ok(!text.includes('made.up.service.name'));
  assert.equal(sample(text, 'mapi_mock_gateway_requests_total{service="other",is_success="F",result="ILLEGAL_SERVICE"}'), 1);
  assert.equal(sample(text, 'mapi_mock_database_errors_total'), 0);
  // this mock's own registry: nothing from prom-client's global default one (no process metrics in a library's mock)
  assert.equal(sample(text, 'process_cpu_user_seconds_total'), null);
});

test('a second mock in the same process counts its own requests only', async () => {
  const other = await createTestApp();
  try {
    await call(other.app, payParams());
    const text = await scrape(other.app);
    assert.equal(sample(text, `mapi_mock_gateway_requests_total{service="${PAY}",is_success="T",result="SUCCESS"}`), 1);
    assert.equal(sample(text, 'mapi_mock_rule_hits_total{rule="pay-9902-balance-not-enough"}'), null);
  } finally {
    await other.close();
  }
});

test('notification deliveries by outcome: delivered, and retry while the merchant does not say success', async () => {
  const answers = ['fail'];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(answers.shift() ?? 'success'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;
    await call(t.app, payParams({ notify_url: url }));
    const deadline = Date.now() + 5000;
    let text = await scrape();
    while (sample(text, 'mapi_mock_notification_deliveries_total{outcome="retry"}') !== 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      text = await scrape();
    }
    assert.equal(sample(text, 'mapi_mock_notification_deliveries_total{outcome="retry"}'), 1);
    assert.equal(sample(text, 'mapi_mock_notification_deliveries_total{outcome="delivered"}'), 0);
    await call(t.app, payParams({ notify_url: url }));
    while (sample(text, 'mapi_mock_notification_deliveries_total{outcome="delivered"}') !== 1 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      text = await scrape();
    }
    assert.equal(sample(text, 'mapi_mock_notification_deliveries_total{outcome="delivered"}'), 1);
    assert.equal(sample(text, 'mapi_mock_notification_deliveries_total{outcome="failed"}'), 0);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('with ADMIN_TOKEN, /metrics needs it as a Bearer token, as Prometheus sends it', async () => {
  const guarded = createApp(t.ctx, { adminToken: 'metrics-token-1' });
  const refused = await request(guarded).get('/metrics');
  assert.equal(refused.status, 401);
  assert.ok(refused.body.errors.auth);
  assert.ok(!refused.text.includes('mapi_mock_'));
  await request(guarded).get('/metrics').set('Authorization', 'Bearer wrong').expect(401);
  const res = await request(guarded).get('/metrics').set('Authorization', 'Bearer metrics-token-1').expect(200);
  assert.match(res.text, /^# HELP mapi_mock_gateway_requests_total /m);
});

test('a failing database query is counted, and the gateway answers XML SYSTEM_ERROR meanwhile', async () => {
  const metrics = new Metrics();
  const broken = await createTestApp({ observe: { metrics } });
  const knex = (broken.ctx.database as unknown as { knex: Knex }).knex;
  let closed = false;
  try {
    await knex.raw('alter table trades rename to trades_away');
    const answer = await call(broken.app, payParams());
    assert.deepEqual([answer.status, answer.isSuccess, answer.error], [200, 'F', 'SYSTEM_ERROR']);
    const text = await scrape(broken.app);
    assert.ok((sample(text, 'mapi_mock_database_errors_total') ?? 0) >= 1, text);
    assert.equal(sample(text, `mapi_mock_gateway_requests_total{service="${PAY}",is_success="F",result="SYSTEM_ERROR"}`), 1);
    await knex.raw('alter table trades_away rename to trades');
    closed = true;
    // the failure was reported to the context's onError, which the test app turns into an error at close()
    await assert.rejects(broken.close(), (error: AggregateError) => error.errors.some((e) => /trades/.test(String(e))));
  } finally {
    if (!closed) await broken.close().catch(() => undefined);
  }
});
