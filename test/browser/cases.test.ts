// The test cases pages in a real browser (Debian's chromium): Start from the list, the till pays, the case shows
// passed with its evidence; at 1366 px and 390 px nothing is wider than the screen. Screenshots go to
// test/artifacts/ (ignored by git). Skipped where chromium is not installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { type TestApp, createTestApp } from '../helpers/app.ts';
import { ARTIFACTS, chromiumSkip, launchChromium, listenOnLoopback } from '../helpers/browser.ts';
import { call, payParams } from '../helpers/mapi.ts';


describe('test cases in a browser', { skip: chromiumSkip }, () => {
  let t: TestApp;
  let server: Server;
  let base: string;
  let browser: Browser;

  before(async () => {
    t = await createTestApp({ now: Date.now() });
    ({ server, base } = await listenOnLoopback(t.app));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  for (const [width, height] of [[1366, 900], [390, 844]] as const) {
    test(`at ${width} px: Start, pay, passed with the pay as evidence; Reset`, async () => {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(`${base}/cases`);
      await Promise.all([page.waitForURL(/\/cases\?partner=/), page.click('#case-pay-success button.primary')]);
      assert.match(await page.textContent('#case-pay-success') ?? '', /waiting for traffic/);
      const pay = payParams();
      await call(t.app, pay);
      await page.reload();
      assert.match(await page.textContent('.case-progress') ?? '', /1 of 11 passed/);
      await page.click('#case-pay-success a.button');
      assert.match(await page.textContent('main') ?? '', /was answered SUCCESS/);
      const evidence = await page.getAttribute('.case-evidence a', 'href');
      assert.match(evidence ?? '', /^\/requests\/[0-9a-f-]{36}$/);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0, 'nothing wider than the screen');
      await page.screenshot({ path: `${ARTIFACTS}case-detail-${width}.png`, fullPage: true });
      await Promise.all([page.waitForURL(/\/cases\/pay-success/), page.click('form[action="/cases/pay-success/reset"] button')]);
      await page.goto(`${base}/cases`);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), 0);
      await page.screenshot({ path: `${ARTIFACTS}cases-${width}.png`, fullPage: true });
      assert.match(await page.textContent('.case-progress') ?? '', /0 of 11 passed/);
      await page.close();
    });
  }
});
