// Throw-away databases for createApp() and test files: one embedded PostgreSQL per process, started on the
// first need from a migrated cluster image (made once per machine and schema), and a database per store
// cloned from its template, so that a new app costs a CREATE DATABASE rather than initdb and migrations.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { accessSync, chmodSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexModule, { type Knex } from 'knex';
import { EMBEDDED_PORT, EMBEDDED_USER, giveToServer, startEmbeddedPostgres } from './embedded-postgres.ts';
import { MIGRATIONS_DIR, runMigrations } from './migrate.ts';

const { knex } = knexModule;
export const TEMPLATE = 'mapi_template';

export interface Scratch {
  socketDir: string;
  /** a connection to the server's `postgres` database, for creating and dropping the stores' databases */
  admin: Knex;
  /** creates a database from the migrated template (one at a time: a template may be copied by one at once) */
  createDatabase(): Promise<string>;
  dropDatabase(name: string): Promise<void>;
}

export function connectionTo(socketDir: string, database: string, pool: Knex.PoolConfig = { min: 0, max: 10 }, log?: Knex.Logger): Knex {
  // compileSqlOnError: a failed query's message shows `$1`, not the values (a partner's key among them)
  const connection = { host: socketDir, port: EMBEDDED_PORT, user: EMBEDDED_USER, database };
  const db = knex({ client: 'pg', connection, pool, compileSqlOnError: false, ...(log ? { log } : {}) });
  unrefReaper(db);
  return db;
}

/**
 * tarn's reaping interval runs while the pool has connections and would keep a test process alive after its
 * last test when nobody called close(). The interval does nothing needed to stay alive.
 */
export function unrefReaper(db: Knex): void {
  const pool = (db.client as { pool?: { on(event: string, fn: () => void): void; interval?: NodeJS.Timeout | null } }).pool;
  pool?.on('startReaping', () => setImmediate(() => pool.interval?.unref()));
}

/** the image's name changes with the PostgreSQL build and with the migrations, so a stale one is never used */
function imageKey(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort()) hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  hash.update(`${process.platform}-${process.arch}-${process.version.split('.')[0]}`);
  hash.update('image without template0 and template1');
  hash.update('initdb --no-data-checksums');
  return hash.digest('hex').slice(0, 16);
}

function copyTree(from: string, to: string): void {
  // cp -a keeps the owner (the postgres user when we are root) and the 0700 mode PostgreSQL insists on
  if (process.platform === 'win32') cpSync(from, to, { recursive: true });
  else execFileSync('cp', ['-a', from, to]);
}

/** Builds the migrated cluster image once: initdb, template database, migrations, clean stop. */
async function ensureImage(): Promise<string> {
  const root = join(tmpdir(), 'mapi-mock-pg-images');
  const image = join(root, imageKey());
  if (existsSync(join(image, 'PG_VERSION'))) return image;
  mkdirSync(root, { recursive: true, mode: 0o755 });
  const building = mkdtempSync(join(root, 'building-'));
  chmodSync(building, 0o755);
  try {
    const server = await startEmbeddedPostgres({ clusterDir: join(building, 'cluster'), fast: true });
    try {
      const admin = connectionTo(server.socketDir, 'postgres', { min: 0, max: 1 });
      try {
        await admin.raw('create database ??', [TEMPLATE]);
        const db = connectionTo(server.socketDir, TEMPLATE, { min: 0, max: 1 });
        await runMigrations(db).finally(() => db.destroy());
        // The image keeps only what a scratch server uses: `postgres` (the admin connection) and the template.
        // template0 and template1 were 600 of its 1,360 files, copied again by every test process (~70 ms here).
        await admin.raw("update pg_database set datistemplate = false where datname in ('template0', 'template1')");
        for (const name of ['template0', 'template1']) await admin.raw('drop database ??', [name]);
      } finally {
        await admin.destroy();
      }
    } finally {
      await server.stop();
    }
    try {
      renameSync(join(building, 'cluster'), image);
    } catch (error) {
      // another process made it meanwhile: use theirs
      if (!existsSync(join(image, 'PG_VERSION'))) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  removeStaleImages(root, image);
  return image;
}

/** images of earlier schemas, and builds a killed process left, once nobody can still be copying them */
function removeStaleImages(root: string, keep: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (path !== keep && statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
  }
}

let scratch: Promise<Scratch> | null = null;

/** The process's scratch server, started on first use. */
const SHM = '/dev/shm';

/**
 * Where a process's throw-away cluster goes: memory (/dev/shm) when the machine has it with room to spare, else the
 * temp folder. On some disks creating a file costs a millisecond (this VM's ext4: copying the image's 1,332 files
 * took 1.2 s, and each CREATE DATABASE makes ~360 more); in /dev/shm the copy takes 0.1 s. The data is thrown away
 * with the process anyway.
 */
function scratchRoot(): string {
  try {
    const fs = statfsSync(SHM);
    accessSync(SHM, constants.W_OK);
    if (fs.bavail * fs.bsize >= 1024 ** 3) return SHM;
  } catch {
    // no /dev/shm (macOS, Windows) or not ours to write
  }
  return tmpdir();
}

export function scratchServer(): Promise<Scratch> {
  scratch ??= start().catch((error: unknown) => {
    scratch = null;
    throw error;
  });
  return scratch;
}

async function start(): Promise<Scratch> {
  const image = await ensureImage();
  const home = mkdtempSync(join(scratchRoot(), 'mapi-mock-scratch-'));
  chmodSync(home, 0o755); // the server may run as another user (root's case); the cluster inside stays 0700
  giveToServer(home); // its watchdog removes it
  const clusterDir = join(home, 'cluster');
  copyTree(image, clusterDir);
  const server = await startEmbeddedPostgres({ clusterDir, fast: true, removeOnStop: home });
  const admin = connectionTo(server.socketDir, 'postgres', { min: 0, max: 2, idleTimeoutMillis: 500 });
  let queue: Promise<unknown> = Promise.resolve();
  const create = (): Promise<string> => {
    const name = `mapi_${randomBytes(6).toString('hex')}`;
    // file_copy: the template's files copied as they are, after a checkpoint that costs nothing without fsync; the
    // default (wal_log) writes every page through the WAL: 50-450 ms a database here, against ~30 ms
    const created = queue.then(() => admin.raw('create database ?? template ?? strategy file_copy', [name, TEMPLATE]));
    queue = created.catch(() => undefined);
    return created.then(() => name);
  };
  // the next app's database is cloned while this one's test runs: a suite's second createApp() finds it ready
  let spare: Promise<string> | null = null;
  return {
    socketDir: server.socketDir,
    admin,
    async createDatabase() {
      const taken = spare ? await spare.catch(() => create()) : await create();
      spare = create();
      spare.catch(() => undefined);
      return taken;
    },
    async dropDatabase(name: string) {
      await admin.raw('drop database if exists ?? with (force)', [name]);
    },
  };
}
