// Summarises a `node --cpu-prof` profile: self time by where the code lives, and the heaviest functions.
//   npx tsx bench/profile-summary.ts file.cpuprofile [fromUs toUs]
// fromUs/toUs (the monotonic clock in µs, process.hrtime): only the samples taken in that window, e.g. a load run.
import { readFileSync } from 'node:fs';

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number }

const AREAS: Array<[string, RegExp]> = [
  ['PGlite (WASM + glue)', /pglite|knex-pglite|^wasm:/],
  ['knex', /node_modules\/knex\//],
  ['pg driver', /node_modules\/(pg|pg-protocol|pg-types)\//],
  ['Express + its middleware', /node_modules\/(express|router|body-parser|finalhandler|send|serve-static|helmet|cookie|csrf|on-finished|debug|qs)\//],
  ['iconv-lite', /iconv-lite/],
  ['re2js', /re2js/],
  ['mapi-mock src/core', /\/src\/core\//],
  ['mapi-mock src/app', /\/src\/app\//],
  ['mapi-mock src/store', /\/src\/store\//],
  ['mapi-mock src/http', /\/src\/http\//],
  ['other node_modules', /node_modules/],
  ['node internals', /^node:|^internal/],
];

const profile = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
const [fromUs, toUs] = [Number(process.argv[3] ?? -Infinity), Number(process.argv[4] ?? Infinity)];
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= fromUs && at <= toUs) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const areas = new Map<string, number>();
const fns = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const area = functionName === '(idle)' ? 'idle' : functionName === '(garbage collector)' ? 'GC' : functionName === '(program)' ? 'program (native)' : (AREAS.find(([, re]) => re.test(url))?.[0] ?? (url ? 'other' : 'native/builtins'));
  areas.set(area, (areas.get(area) ?? 0) + us);
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/src\//, 'src/')}:${lineNumber + 1}`;
  fns.set(key, (fns.get(key) ?? 0) + us);
}
const busy = total - (areas.get('idle') ?? 0);
const pct = (us: number, of: number) => `${((100 * us) / of).toFixed(1)}%`.padStart(6);
console.log(`profile: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy; shares of busy time:`);
for (const [area, us] of [...areas].filter(([a]) => a !== 'idle').sort((a, b) => b[1] - a[1])) console.log(`  ${pct(us, busy)}  ${area}`);
console.log('heaviest functions (self):');
for (const [fn, us] of [...fns].filter(([f]) => !f.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 15))) console.log(`  ${pct(us, busy)}  ${fn}`);
