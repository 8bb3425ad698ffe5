import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.ts';

const KEY = '0123456789abcdefghijklmnopqrstuv';
const md5 = (text: string, encoding: BufferEncoding = 'utf8') => createHash('md5').update(Buffer.from(text, encoding)).digest('hex');

test('sign prints the signed string, the sign and the signed URL', async () => {
  const { code, stdout } = await cli(['sign', 'service=alipay.acquire.overseas.query', 'partner=2088000000000001', 'partner_trans_id=T1']);
  assert.equal(code, 0);
  const text = '_input_charset=utf-8&partner=2088000000000001&partner_trans_id=T1&service=alipay.acquire.overseas.query';
  const sign = md5(text + KEY);
  assert.equal(
    stdout,
    `signed string: ${text}\nsign:          ${sign}\n` +
      `url:           http://127.0.0.1:8080/gateway.do?service=alipay.acquire.overseas.query&partner=2088000000000001&partner_trans_id=T1&_input_charset=utf-8&sign=${sign}&sign_type=MD5\n`,
  );
});

test('sign with a key, a gateway, GBK and --json', async () => {
  const { code, stdout } = await cli(['sign', '--key', 'k1', '--gateway', 'http://mock:9000/gateway.do', '--charset', 'GBK', '--json', 'trans_name=咖啡', 'memo=']);
  assert.equal(code, 0);
  const out = JSON.parse(stdout) as { signedString: string; sign: string; url: string };
  assert.equal(out.signedString, '_input_charset=GBK&trans_name=咖啡');
  assert.equal(out.url, `http://mock:9000/gateway.do?trans_name=%BF%A7%B7%C8&memo=&_input_charset=GBK&sign=${out.sign}&sign_type=MD5`);
  assert.equal(out.sign, createHash('md5').update(Buffer.from([...Buffer.from('_input_charset=GBK&trans_name='), 0xbf, 0xa7, 0xb7, 0xc8, ...Buffer.from('k1')])).digest('hex'));
});

test('wrong usage exits 2 with the message and the help; --help exits 0', async () => {
  const wrong = [['sign'], ['sign', 'novalue'], ['sign', '--charset', 'latin1', 'a=b'], ['sign', '--nope', 'a=b'], ['frobnicate'], ['rules'], ['rules', 'import'], []];
  const runs = await Promise.all(wrong.map((args) => cli(args)));
  runs.forEach(({ code, stderr, stdout }, i) => {
    assert.equal(code, 2, `${wrong[i]!.join(' ')}: ${stderr}`);
    assert.match(stderr + stdout, /Usage: mapi-mock/);
  });
  const commands = ['serve', 'migrate', 'rules', 'sign'];
  const helps = await Promise.all(commands.map((command) => cli([command, '--help'])));
  helps.forEach(({ code, stdout }, i) => {
    assert.equal(code, 0);
    assert.match(stdout, new RegExp(`Usage: mapi-mock ${commands[i]}`));
  });
});

test('migrate, rules import and rules export on an embedded database in DATA_DIR', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mapi-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const env = { DATA_DIR: join(dir, 'db') };
  assert.match((await cli(['migrate'], env)).stdout, /^migrated the embedded database in /);

  const rule = {
    id: 'cli-rule',
    service: 'alipay.acquire.overseas.spot.pay',
    when: [{ param: 'trans_amount', op: 'eq', value: '12.34' }],
    then: { type: 'business', resultCode: 'FAILED', error: 'BUYER_BALANCE_NOT_ENOUGH' },
  };
  await writeFile(join(dir, 'bad.json'), JSON.stringify([{ ...rule, then: { type: 'business', resultCode: 'NOPE' } }]));
  const refused = await cli(['rules', 'import', join(dir, 'bad.json')], env);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /rules\.0\.then\.resultCode: must be one of SUCCESS, FAILED, UNKNOW/);

  await writeFile(join(dir, 'rules.json'), JSON.stringify([rule]));
  const imported = await cli(['rules', 'import', join(dir, 'rules.json'), '--mode', 'replace'], env);
  assert.deepEqual([imported.code, imported.stdout.trim()], [0, `imported 1 rule(s) into the embedded database in ${env.DATA_DIR}/ (replace)`]);

  const exported = await cli(['rules', 'export'], env);
  assert.equal(exported.code, 0);
  const body = JSON.parse(exported.stdout) as { exportedAt: string; rules: Array<{ id: string; then: unknown }> };
  assert.deepEqual(body.rules.map((r) => [r.id, r.then]), [['cli-rule', { ...rule.then, fields: {}, delayMs: 0 }]]);

  // the export is what import takes
  const out = join(dir, 'export.json');
  assert.equal((await cli(['rules', 'export', '--out', out], env)).code, 0);
  assert.deepEqual(JSON.parse(await readFile(out, 'utf8')).rules, body.rules);
  assert.equal((await cli(['rules', 'import', out, '--data-dir', env.DATA_DIR])).code, 0);
  const missing = await cli(['rules', 'import', join(dir, 'missing.json')], env);
  assert.deepEqual([missing.code, missing.stderr.trim()], [1, `${join(dir, 'missing.json')}: no such file`]);
});
