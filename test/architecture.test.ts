// The shape of the code, checked from its sources so that a change that breaks it fails here rather than in a review:
// src/core/ is pure (no web framework, database, environment, timers or clock), the folders of src/ import each
// other without a loop (core at the bottom; client, the library's HTTP client, only over core), only the entry points
// read the environment, only compose.ts opens a store or builds a context, and src/http and src/lib reach the
// database only through the services of the context, never a store.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const src = fileURLToPath(new URL('../src/', import.meta.url));
const core = join(src, 'core');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** the libraries core may use: pure computation only */
const ALLOWED_PACKAGES = new Set(['iconv-lite', 'fast-xml-parser', 'xmlbuilder2', 're2js', 'zod', 'node:crypto', 'node:buffer']);

const FORBIDDEN_CODE: Array<[RegExp, string]> = [
  [/\bprocess\./, 'process (environment, exit, timers of the process)'],
  [/\bnew Date\(\s*\)/, 'the clock (new Date() with no argument)'],
  [/\bDate\.now\(/, 'the clock (Date.now)'],
  [/\bperformance\.now\(/, 'the clock (performance.now)'],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\(/, 'timers'],
  [/\bMath\.random\(/, 'randomness (ids come in from the caller)'],
  [/\brandomUUID\(|\brandomBytes\(/, 'randomness (ids come in from the caller)'],
];

function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g)) found.push(match[1]!);
  for (const match of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]!);
  for (const match of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) found.push(match[1]!);
  return found;
}

test('src/core imports only pure libraries and its own files', () => {
  const problems: string[] = [];
  for (const file of sources(core)) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const name = relative(core, file);
      if (spec.startsWith('.')) {
        const target = join(file, '..', spec);
        if (relative(core, target).startsWith('..')) problems.push(`${name} imports ${spec}, outside src/core`);
      } else if (!ALLOWED_PACKAGES.has(spec)) problems.push(`${name} imports ${spec}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('src/core reads no environment, clock, timer or randomness', () => {
  const problems: string[] = [];
  for (const file of sources(core)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, index) => {
      const code = line.replace(/\/\/.*$/, '');
      for (const [pattern, what] of FORBIDDEN_CODE) {
        if (pattern.test(code)) problems.push(`${relative(core, file)}:${index + 1} uses ${what}`);
      }
    });
  }
  assert.deepEqual(problems, []);
});

test('the purity check itself catches what it is for', () => {
  assert.deepEqual(importsOf("import express from 'express';\nimport { x } from './y.ts';"), ['express', './y.ts']);
  assert.deepEqual(importsOf("const k = await import('knex');"), ['knex']);
  assert.ok(FORBIDDEN_CODE.some(([pattern]) => pattern.test('const now = new Date();')));
  assert.ok(FORBIDDEN_CODE.some(([pattern]) => pattern.test('setTimeout(done, 5)')));
  assert.ok(!FORBIDDEN_CODE.some(([pattern]) => pattern.test('const at = new Date(input.now);')));
});

/** the folder (or top-level file) of src/ that a path lies in */
function area(path: string): string {
  return relative(src, path).split(/[\\/]/)[0]!;
}

function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(src)) {
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const from = area(file);
      const to = area(join(file, '..', spec));
      if (from === to) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** one cycle of the graph as a list of folders, or null */
function findCycle(graph: Map<string, Set<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === 'done') return null;
    if (state.get(node) === 'open') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

test('the folders of src/ import each other without a loop', () => {
  assert.equal(findCycle(folderGraph())?.join(' -> ') ?? null, null);
});

test('core imports no other folder, and client only core', () => {
  const graph = folderGraph();
  assert.deepEqual([...(graph.get('core') ?? [])], []);
  assert.deepEqual([...(graph.get('client') ?? [])].filter((to) => to !== 'core'), []);
});

test('the loop check finds a loop', () => {
  const graph = new Map([['a', new Set(['b'])], ['b', new Set(['c'])], ['c', new Set(['a'])]]);
  assert.deepEqual(findCycle(graph), ['a', 'b', 'c', 'a']);
  assert.equal(findCycle(new Map([['a', new Set(['b'])]])), null);
});

/** the processes' entry points: `npm start` and the `mapi-mock` command; the rest is given what it needs */
const ENTRY_POINTS = new Set(['main.ts', join('cli', 'cli.ts')]);
/** `process.env` read or changed; `...process.env` only hands the environment on to a child process */
const READS_ENVIRONMENT = /(?<!\.\.\.)\bprocess\.env\b/;

test('only the entry points read the environment (config.ts is handed it)', () => {
  const problems: string[] = [];
  for (const file of sources(src)) {
    const name = relative(src, file);
    if (ENTRY_POINTS.has(name)) continue;
    readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
      if (READS_ENVIRONMENT.test(line.replace(/\/\/.*$/, ''))) problems.push(`${name}:${index + 1} reads process.env`);
    });
  }
  assert.deepEqual(problems, []);
  assert.ok(READS_ENVIRONMENT.test("cache: process.env.NODE_ENV !== 'development'"));
  assert.ok(!READS_ENVIRONMENT.test("env: { ...process.env, LC_ALL: 'C' }"));
});

test('one start-up: only compose.ts opens a store or builds a context', () => {
  const problems: string[] = [];
  for (const file of sources(src)) {
    const name = relative(src, file);
    if (name === 'compose.ts') continue;
    const code = readFileSync(file, 'utf8').replace(/\/\/.*$/gm, '');
    for (const call of ['openStore(', 'createContext(']) {
      if (code.replaceAll(`function ${call}`, '').includes(call)) problems.push(`${name} calls ${call.slice(0, -1)}`);
    }
  }
  assert.deepEqual(problems, []);
});

/** what src/http and src/lib may import from src/store: the shapes of the records, not a store */
const STORE_RECORDS = 'store/records.ts';

/** why a file of src/http or src/lib (path relative to src/) reaches past the services, or nothing */
function storeProblems(name: string, text: string): string[] {
  const problems: string[] = [];
  text.split('\n').forEach((line, index) => {
    if (/\bctx\.stores?\b|\.stores\./.test(line.replace(/\/\/.*$/, ''))) problems.push(`${name}:${index + 1} reaches the stores past the services`);
  });
  for (const spec of importsOf(text)) {
    if (!spec.startsWith('.')) continue;
    const target = relative(src, join(src, name, '..', spec)).split(/[\\/]/).join('/');
    if (target.startsWith('store/') && target !== STORE_RECORDS) problems.push(`${name} imports ${spec}`);
  }
  return problems;
}

test('src/http and src/lib reach the database only through the services of the context', () => {
  const problems = ['http', 'lib'].flatMap((dir) =>
    sources(join(src, dir)).flatMap((file) => storeProblems(relative(src, file).split(/[\\/]/).join('/'), readFileSync(file, 'utf8'))),
  );
  assert.deepEqual(problems, []);
});

test('the store check itself catches what it is for', () => {
  assert.deepEqual(storeProblems('http/pages/x.ts', 'const e = await ctx.store.listRequestLog({});'), ['http/pages/x.ts:1 reaches the stores past the services']);
  assert.deepEqual(storeProblems('http/pages/x.ts', 'await ctx.stores.requestLog.list({});'), ['http/pages/x.ts:1 reaches the stores past the services']);
  assert.deepEqual(storeProblems('lib/x.ts', "import { TradeStore } from '../store/trade-store.ts';"), ["lib/x.ts imports ../store/trade-store.ts"]);
  assert.deepEqual(storeProblems('http/api/x.ts', "import type { RequestLogEntry } from '../../store/records.ts';\nawait ctx.admin.listRequests({});"), []);
  // the start-up opens the stores in compose.ts, beside src/http and src/lib: nothing in them needs to
  assert.deepEqual(storeProblems('lib/create-mock.ts', "import { openStore } from '../store/db.ts';"), ['lib/create-mock.ts imports ../store/db.ts']);
});
