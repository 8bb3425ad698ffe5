// A tester's path through the pages in a real browser (Debian's chromium, driven by playwright-core): make a
// rule in the form, send a request from Simulate, see the rule's answer, find the request in the log. Screenshots
// of the main pages go to test/artifacts/ (ignored by git). Skipped where chromium is not installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, type Page, chromium } from 'playwright-core';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { call, payParams } from '../helpers/mapi.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

describe('pages in a browser', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed` }, () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    t = await createTestApp({ now: Date.now() });
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    mkdirSync(ARTIFACTS, { recursive: true });
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

  test('screenshots of the other main pages', async () => {
    await call(t.app, payParams({ trans_amount: '25.00' }));
    for (const [name, path] of [['overview', '/'], ['scenarios', '/scenarios'], ['trades', '/trades'], ['partners', '/partners']] as const) {
      const response = await page.goto(`${base}${path}`);
      assert.equal(response?.status(), 200, path);
      await shot(name);
    }
  });
});
