import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knexModule, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { lockDataDir } from './data-dir-lock.ts';
import { KnexStore } from './knex-store.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  /** PostgreSQL server (pg driver); wins over the other two */
  databaseUrl?: string;
  /** embedded PGlite kept in this folder (created when missing) */
  dataDir?: string;
  /** embedded PGlite in memory (tests); wins over dataDir */
  inMemory?: boolean;
}

const { knex } = knexModule;

/** The one place that picks the driver. The store is not migrated here: call `store.migrate()`. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.databaseUrl) {
    // while the server is away every acquire warns with a stack trace: its first line says all there is to say
    const log = { warn: (message: unknown) => console.warn(`database: ${String(message).split('\n')[0]}`) };
    const db = knex({ client: 'pg', connection: options.databaseUrl, pool: { min: 0, max: 10 }, log });
    await checkConnection(db);
    return new KnexStore(db, 'pg');
  }
  if (!options.inMemory && !options.dataDir) {
    throw new Error('openStore: give databaseUrl, dataDir or inMemory');
  }
  let pglite: PGlite;
  let unlock = () => {};
  if (options.inMemory) {
    pglite = new PGlite();
  } else {
    const dir = resolve(options.dataDir as string);
    await mkdir(dir, { recursive: true });
    unlock = lockDataDir(dir);
    pglite = new PGlite(dir);
  }
  try {
    await pglite.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const closePglite = async (): Promise<void> => {
    try {
      if (!pglite.closed) await pglite.close();
    } finally {
      unlock();
    }
  };
  // knex-pglite fixes the pool at one connection, so concurrent transactions queue for it instead of
  // interleaving their statements on PGlite's single session.
  const db = knex({
    client: ClientPgLite,
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
  });
  unrefReaper(db);
  await checkConnection(db, closePglite);
  return new KnexStore(db, 'pglite', closePglite);
}

/**
 * knex-pglite pins the pool at one connection, so tarn's reaping interval never stops and would keep a test
 * process alive after its last test when nobody called close(). The interval does nothing needed to stay alive.
 */
function unrefReaper(db: Knex): void {
  const pool = (db.client as { pool?: { on(event: string, fn: () => void): void; interval?: NodeJS.Timeout | null } }).pool;
  pool?.on('startReaping', () => setImmediate(() => pool.interval?.unref()));
}

async function checkConnection(db: Knex, cleanup?: () => Promise<void>): Promise<void> {
  try {
    await db.raw('select 1');
  } catch (err) {
    await db.destroy().catch(() => {});
    await cleanup?.();
    throw err;
  }
}

const DATABASE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates database `name` on the server of `serverUrl` and answers a URL for it (test databases, one per
 * test file). Lives here because this is the only module that talks to drivers.
 */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!DATABASE_NAME.test(name)) throw new Error(`invalid database name: ${name}`);
  await withServer(serverUrl, (db) => db.raw('create database ??', [name]));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  if (!DATABASE_NAME.test(name)) throw new Error(`invalid database name: ${name}`);
  // force: a connection the pool has not finished closing must not keep the database alive.
  await withServer(serverUrl, (db) => db.raw('drop database if exists ?? with (force)', [name]));
}

async function withServer(serverUrl: string, fn: (db: Knex) => Promise<unknown>): Promise<void> {
  let db = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    try {
      await db.raw('select 1');
    } catch (err) {
      // The URL may name a database that does not exist yet; any server has `postgres`.
      if ((err as { code?: unknown }).code !== '3D000') throw err;
      await db.destroy();
      const url = new URL(serverUrl);
      url.pathname = '/postgres';
      db = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
    }
    await fn(db);
  } finally {
    await db.destroy();
  }
}
