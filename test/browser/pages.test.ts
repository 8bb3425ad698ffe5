// A tester's path through the pages in a real browser (Debian's chromium, driven by playwright-core): make a
// rule in the form, send a request from Simulate, see the rule's answer, find the request in the log. Screenshots
// of the main pages go to test/artifacts/ (ignored by git). Skipped where chromium is not installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { ARTIFACTS, chromiumSkip, launchChromium, listenOnLoopback } from '../helpers/browser.ts';
import { call, encodeForm, payParams, rawCall, signed } from '../helpers/mapi.ts';


describe('pages in a browser', { skip: chromiumSkip }, () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    t = await createTestApp({ now: Date.now() });
    ({ server, base } = await listenOnLoopback(t.app));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: true });

  test('make a rule in the form, send from Simulate, see its answer, find it in the log', async () => {
    await page.goto(`${base}/rules/new`);
    await page.selectOption('#service', 'alipay.acquire.overseas.spot.pay');
    await page.fill('[id="name"]', 'Amount 12.34: balance not enough <b>bold?</b>');
    await page.fill('[id="when.0.param"]', 'trans_amount');
    await page.selectOption('[id="when.0.op"]', 'eq');
    await page.fill('[id="when.0.value"]', '12.34');
    await page.selectOption('[id="then.type"]', 'business');
    await page.selectOption('[id="then.resultCode"]', 'FAILED');
    await page.fill('[id="then.error"]', 'BUYER_BALANCE_NOT_ENOUGH');
    // leave the error code input, so that its suggestion list is closed, as a person's next click would do
    await page.focus('[id="priority"]');
    await shot('rule-form');
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/rules'),
      page.click('button.primary[name="action"][value="save"]'),
    ]);
    const listed = await page.textContent('body');
    assert.match(listed!, /Amount 12\.34: balance not enough <b>bold\?<\/b>/, 'the name is shown as text, escaped');
    await shot('rules');

    await page.goto(`${base}/simulate?service=pay`);
    await page.fill('input[data-param="trans_amount"]', '12.34');
    await page.click('button.primary[name="action"][value="send"]');
    await page.waitForLoadState('load');
    const result = (await page.textContent('body'))!;
    assert.match(result, /BUYER_BALANCE_NOT_ENOUGH/);
    assert.match(result, /FAILED/);
    await shot('simulate-result');

    await page.goto(`${base}/requests`);
    await page.waitForSelector('text=BUYER_BALANCE_NOT_ENOUGH');
    await shot('requests');
    await page.click('table a[href^="/requests/"]');
    await page.waitForURL(/\/requests\/[^/?]+$/);
    const detail = (await page.textContent('body'))!;
    assert.match(detail, /BUYER_BALANCE_NOT_ENOUGH/);
    assert.match(detail, /trans_amount/);
    await shot('request-detail');
  });

  test('an untouched condition row is refused; ticking "every request" saves it', async () => {
    await page.goto(`${base}/rules/new?service=alipay.acquire.overseas.spot.refund`);
    await page.fill('[id="then.error"]', 'SYSTEM_ERROR');
    await page.click('button.primary[name="action"][value="save"]');
    await page.waitForLoadState('load');
    assert.match((await page.textContent('body'))!, /No condition is filled in/);
    assert.equal(t.ctx.rules.list().filter((rule) => rule.service === 'alipay.acquire.overseas.spot.refund' && rule.source === 'custom').length, 0);
    // any-of groups: added by the server, rows added in place by the script
    await page.click('#add-group');
    await page.waitForLoadState('load');
    await page.click('[data-add-condition="group-0-conditions"]');
    assert.equal(await page.locator('[name="whenAny.0.1.param"]').count(), 1);
    await shot('rule-form-any-of');
  });

  test('every page fits 1366 px and a 390 px phone without scrolling sideways', async () => {
    const PARTNER = '2088000000000001';
    const paid = payParams({ trans_amount: '33.00', trans_name: 'A long product name: 中文咖啡 with oat milk and two extra shots' });
    await call(t.app, paid);
    await call(t.app, { service: 'alipay.acquire.overseas.spot.refund', partner_trans_id: paid.partner_trans_id!, partner_refund_id: `R${Date.now()}`, refund_amount: '1.00', currency: 'USD' });
    await call(t.app, payParams({ notify_url: 'ftp://example.invalid/notify' }));
    await rawCall(t.app, { body: encodeForm(signed(payParams(), { key: 'someone-elses-key' })), contentType: 'application/x-www-form-urlencoded' });
    await t.ctx.rules.create({ id: 'phone-rule', name: 'A rule with a long name to see how it wraps on a phone screen', service: 'alipay.acquire.overseas.spot.pay', when: [{ param: 'trans_amount', op: 'eq', value: '44' }], whenAny: [[{ param: 'buyer_identity_code', op: 'prefix', value: '28' }]], then: { type: 'business', resultCode: 'SUCCESS', fields: { memo: '中文咖啡' } } });
    await t.ctx.rules.create({ id: 'scenario-phone', name: 'Scenario: query', service: 'alipay.acquire.overseas.query', partner: PARTNER, priority: 1_000_000, durationMinutes: 30, then: { type: 'business', resultCode: 'FAIL', error: 'SYSTEM_ERROR' } });
    await t.ctx.flush();
    const log = await t.ctx.stores.requestLog.list({ limit: 10 });
    const refused = log.find((entry) => entry.error === 'ILLEGAL_SIGN')!;
    const paths = [
      ['overview', '/'],
      ['rules', '/rules'],
      ['rule-new', '/rules/new'],
      ['rule-custom', '/rules/phone-rule'],
      ['rule-default', '/rules/pay-9902-balance-not-enough'],
      ['scenarios', '/scenarios'],
      ['simulate', '/simulate'],
      ['requests', '/requests'],
      ['request-illegal-sign', `/requests/${refused.id}`],
      ['notifications', '/notifications'],
      ['trades', '/trades'],
      ['trade', `/trades/${PARTNER}/${paid.partner_trans_id!}`],
      ['partners', '/partners'],
      ['import', '/import'],
      ['reset', '/reset'],
    ] as const;
    const wide: string[] = [];
    for (const [width, height, suffix] of [[1366, 900, 'desktop'], [390, 844, 'phone']] as const) {
      const view = await browser.newPage({ viewport: { width, height } });
      for (const [name, path] of paths) {
        const response = await view.goto(`${base}${path}`);
        assert.equal(response?.status(), 200, path);
        const [scrollWidth, innerWidth] = await view.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (scrollWidth > innerWidth) wide.push(`${path} at ${width} px: ${scrollWidth} px wide`);
        await view.screenshot({ path: `${ARTIFACTS}${suffix}-${name}.png`, fullPage: true });
      }
      // Simulate's answer, and the preview of a rule
      await view.goto(`${base}/simulate?service=pay`);
      await view.click('button.primary[name="action"][value="send"]');
      await view.waitForLoadState('load');
      const [sw, iw] = await view.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (sw > iw) wide.push(`simulate answer at ${width} px: ${sw} px wide`);
      await view.screenshot({ path: `${ARTIFACTS}${suffix}-simulate-answer.png`, fullPage: true });
      await view.close();
    }
    assert.deepEqual(wide, []);
  });

  test('screenshots of the other main pages', async () => {
    await call(t.app, payParams({ trans_amount: '25.00' }));
    for (const [name, path] of [['overview', '/'], ['scenarios', '/scenarios'], ['trades', '/trades'], ['partners', '/partners']] as const) {
      const response = await page.goto(`${base}${path}`);
      assert.equal(response?.status(), 200, path);
      await shot(name);
    }
  });
});
