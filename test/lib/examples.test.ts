import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

// The examples import 'mapi-mock' as users do; the mapi-mock-source condition resolves it to src/ here.
function runExample(file: string): Promise<{ code: number | null; output: string }> {
  // without the runner's own context, which would make the child skip its files
  const { NODE_TEST_CONTEXT: _runner, ...env } = process.env;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=mapi-mock-source', '--import', 'tsx', '--test', '--test-reporter=tap', file], { env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

for (const file of ['examples/supertest.test.ts', 'examples/mapi-client.test.ts']) {
  test(`${file} runs and passes`, async () => {
    const { code, output } = await runExample(file);
    assert.equal(code, 0, output);
    assert.match(output, /# fail 0/);
  });

  test(`the README shows ${file} as it is`, async () => {
    const [readme, example] = await Promise.all([readFile('README.md', 'utf8'), readFile(file, 'utf8')]);
    assert.ok(readme.includes(`\`\`\`js\n${example.trimEnd()}\n\`\`\``), `README.md does not show ${file} verbatim`);
  });
}
