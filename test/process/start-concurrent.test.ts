// Starts at once on a checkout whose sources are not compiled yet (a fresh clone's test suite starts
// several): each compiles, none removes the tree another loads from, all serve the gateway and the pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, killChild, startServerChild } from '../helpers/server-child.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** a checkout of its own: the sources copied (they are compiled), the rest linked, and no compiled tree */
function checkout(): string {
  const root = mkdtempSync(join(tmpdir(), 'mapi-start-'));
  for (const dir of ['src', 'migrations']) cpSync(join(ROOT, dir), join(root, dir), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  for (const file of ['scripts/start.mjs', 'package.json', 'tsconfig.json']) cpSync(join(ROOT, file), join(root, file));
  for (const dir of ['views', 'public', 'rules']) symlinkSync(join(ROOT, dir), join(root, dir), 'junction');
  // the packages linked one by one, so that the compiled tree (node_modules/.cache) is this checkout's own
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry !== '.cache') symlinkSync(join(ROOT, 'node_modules', entry), join(root, 'node_modules', entry), 'junction');
  }
  return root;
}

test('four starts at once on sources not compiled yet: all come up and answer the gateway and the pages', async () => {
  const root = checkout();
  const ports: number[] = [];
  for (const from of [18150, 18163, 18176, 18189]) ports.push(await freePort(from, from + 12));
  const children = await Promise.allSettled(ports.map((port, i) => startServerChild(port, { DATA_DIR: join(root, `data-${i}`), DATABASE_URL: '', WORKERS: '1' }, 180_000, root)));
  try {
    for (const started of children) {
      assert.equal(started.status, 'fulfilled', started.status === 'rejected' ? String(started.reason) : '');
      const child = (started as PromiseFulfilledResult<Awaited<ReturnType<typeof startServerChild>>>).value;
      const gateway = await fetch(`${child.url}/gateway.do?service=alipay.acquire.overseas.query`);
      assert.equal(gateway.status, 200);
      assert.match(await gateway.text(), /<is_success>F<\/is_success>/);
      // the pages load their modules after the gateway answers: from the same tree
      assert.equal((await fetch(`${child.url}/rules`)).status, 200, child.output());
    }
  } finally {
    for (const started of children) if (started.status === 'fulfilled') await killChild(started.value, 'SIGTERM');
    rmSync(root, { recursive: true, force: true });
  }
});
