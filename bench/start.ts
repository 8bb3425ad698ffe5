// npm run bench:start — from `npm start` to the first answer of GET /gateway.do, on a new data folder and on the
// same folder again (existing), measured as bench:peers measures it (startMapiMock through npm), repeated.
// Not a test: it prints figures. Options: --runs N (pairs, default 7); --compare DIR, repeatable (another checkout, e.g. a
// `git archive` of main with node_modules linked: the trees' runs alternate, so noise hits both alike).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startMapiMock } from './peers/targets.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '7' }, compare: { type: 'string', multiple: true } } });
const RUNS = Number(args.runs);
// Ports of this benchmark: 18310 (override the base with BENCH_PORT).
const PORT = Number(process.env.BENCH_PORT ?? 18300) + 10;

const trees = [process.cwd(), ...(args.compare ?? [])];
const figures = new Map(trees.map((tree) => [tree, { new: [] as number[], existing: [] as number[] }]));

async function pair(tree: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mapi-bench-start-'));
  const here = process.cwd();
  try {
    process.chdir(tree);
    for (const when of ['new', 'existing'] as const) {
      const mock = await startMapiMock(PORT, { DATA_DIR: dir, DATABASE_URL: '' }, true);
      figures.get(tree)![when].push(mock.startedMs);
      await mock.stop();
    }
  } finally {
    process.chdir(here);
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

for (let run = 0; run < RUNS; run++) {
  // alternate which tree goes first, so neither always follows the other's stop
  for (const tree of run % 2 ? [...trees].reverse() : trees) await pair(tree);
  const last = trees.map((tree) => `${tree}: ${Math.round(figures.get(tree)!.new.at(-1)!)} / ${Math.round(figures.get(tree)!.existing.at(-1)!)} ms`);
  console.log(`run ${run + 1}/${RUNS} (new / existing): ${last.join('; ')}`);
}
console.log('');
for (const tree of trees) {
  const f = figures.get(tree)!;
  const show = (xs: number[]) => `median ${Math.round(median(xs))} ms (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))})`;
  console.log(`${tree}`);
  console.log(`- npm start → first answer, new data folder: ${show(f.new)} (target 3000)`);
  console.log(`- npm start → first answer, existing data folder: ${show(f.existing)} (target 1500)`);
}
