import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { PARTNER, type TestApp, createTestApp } from '../helpers/app.ts';
import { PageSession } from '../helpers/pages.ts';

let t: TestApp;
before(async () => {
  t = await createTestApp();
});
after(() => t.close());

test("a scenario's time left is read on its partner's clock, and the open pages' countdowns re-read it", async () => {
  const started = await request(t.app)
    .post('/api/scenarios')
    .send({ service: 'alipay.acquire.overseas.query', partner: PARTNER, resultCode: 'FAIL', error: 'SYSTEM_ERROR', durationMinutes: 30 });
  assert.equal(started.status, 201);
  const s = new PageSession(t.app);
  const page = await s.get('/scenarios');
  assert.match(page.text, new RegExp(`data-scenario="${started.body.id}" data-seconds-left="1800">30 min</span>`));
  assert.deepEqual((await s.get('/scenarios/time-left')).text, JSON.stringify({ items: [{ id: started.body.id, secondsLeft: 1800 }] }));

  await request(t.app).post('/api/clock').send({ partner: PARTNER, advanceSeconds: 1801 }).expect(200);
  assert.deepEqual(JSON.parse((await s.get('/scenarios/time-left')).text), { items: [] });
  assert.match((await s.get('/scenarios')).text, /No scenario is running/);
  assert.doesNotMatch((await s.get('/')).text, /data-scenario=/);
});
