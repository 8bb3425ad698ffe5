// `npm start`: src/main.ts from the working tree, on plain Node. tsx compiles and loads every module through a
// loader thread on each start (~0.5 s of a 1.8 s start on a slow machine); here esbuild compiles src/ and
// migrations/ once, file by file, into node_modules/.cache/mapi-mock/start-<hash of the sources' list>/, and again
// only when a source has changed (their sizes and times are compared on each start: a few milliseconds). The
// compiled tree keeps the sources' layout, so that what a module finds beside it (views/, public/, rules/,
// migrations/) is where it was.
import cluster from 'node:cluster';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, 'node_modules', '.cache', 'mapi-mock');
const SOURCES = ['src', 'migrations'];
/** what the compiled modules read beside them, linked rather than copied: an edited view shows on the next request */
const ASSETS = ['views', 'public', 'rules'];

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** what the compiled tree was made from: each source's path, size and time, and what compiled it */
function fingerprint(files) {
  const self = statSync(fileURLToPath(import.meta.url));
  const lines = [`node ${process.versions.node}`, `root ${root}`, `script ${self.size} ${self.mtimeMs}`];
  for (const file of files) {
    const { size, mtimeMs } = statSync(file);
    lines.push(`${relative(root, file)} ${size} ${mtimeMs}`);
  }
  return lines.join('\n');
}

/**
 * Compiles into a folder of its own, then puts it in place under the name of its sources. A tree in place is never
 * removed while it may be in use: two starts at once (a test suite's) compile the same tree, and the second to finish
 * keeps the first one's (removing it, as this once did, failed the other start's imports).
 */
async function compile(files, stamp, out) {
  const { build } = await import('esbuild');
  const next = `${out}.${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  await build({
    entryPoints: files,
    outdir: next,
    outbase: root,
    // bundle only to rewrite imports: every relative import stays a module of its own, named .js
    bundle: true,
    packages: 'external',
    plugins: [{
      name: 'relative-imports-stay',
      setup(b) {
        b.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'entry-point' ? undefined : { path: args.path.replace(/\.ts$/, '.js'), external: true }));
      },
    }],
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    tsconfig: join(root, 'tsconfig.json'),
    // no keepNames: each file is compiled alone, so nothing is renamed, and its __name() calls ran on every closure made
    // (the helpers that checkRequest and decide make per request: ~1% of a rule-answered request)
    keepNames: false,
    logLevel: 'warning',
  });
  // node_modules/ ends the search for a package.json: without this one the .js files would load as CommonJS
  writeFileSync(join(next, 'package.json'), '{ "type": "module" }\n');
  for (const name of ASSETS) symlinkSync(join(root, name), join(next, name), 'junction');
  writeFileSync(join(next, STAMP), stamp);
  try {
    renameSync(next, out);
  } catch (error) {
    // another start put its tree in place first: the same sources, so use it
    rmSync(next, { recursive: true, force: true });
    if (readStamp(out) !== stamp) throw error;
  }
}

const STAMP = 'sources.txt';
/** how long a tree of other sources (or a compile left half done) is kept: long past any start that could use it */
const STALE_MS = 60 * 60 * 1000;

/** trees of earlier sources, and folders of compiles that died, once nothing can be loading from them */
function removeStale(current) {
  let entries;
  try {
    entries = readdirSync(cache, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || !/^start(-|\.|$)/.test(entry.name) || entry.name === current) continue;
    const path = join(cache, entry.name);
    try {
      if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove: it costs only room
    }
  }
}

function readStamp(out) {
  try {
    return readFileSync(join(out, STAMP), 'utf8');
  } catch {
    return null; // not compiled yet
  }
}

/** the compiled tree of the sources as they are now, compiled first if there is none */
async function ensureCompiled() {
  const files = SOURCES.flatMap((dir) => sources(join(root, dir))).sort();
  const stamp = fingerprint(files);
  const name = `start-${createHash('sha256').update(stamp).digest('hex').slice(0, 16)}`;
  const out = join(cache, name);
  if (readStamp(out) !== stamp) await compile(files, stamp, out);
  removeStale(name);
  return out;
}

// WORKERS forks run this file too: the primary has compiled already and names the tree it uses
let out = process.env.MAPI_START_TREE;
if (cluster.isPrimary) {
  try {
    out = await ensureCompiled();
    process.env.MAPI_START_TREE = out;
  } catch (error) {
    console.error(`npm start: compiling src/ failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
const { runServer, exitOnStartError } = await import(pathToFileURL(join(out, 'src', 'main.js')).href);
runServer().catch(exitOnStartError);
