import knexModule, { type Knex } from 'knex';
import { type EmbeddedServer, startDataDirServer } from './embedded-postgres.ts';
import { connectionTo, scratchServer } from './scratch-postgres.ts';
import { createStores, type Stores } from './stores.ts';
import type { Logger } from '../telemetry/logger.ts';

export interface OpenStoreOptions {
  /** PostgreSQL server (pg driver); wins over the other two */
  databaseUrl?: string;
  /** the embedded PostgreSQL, its cluster kept in `<dataDir>/pg` (created when missing) */
  dataDir?: string;
  /** a throw-away database on this process's scratch embedded PostgreSQL (tests, createApp()); wins over dataDir */
  inMemory?: boolean;
  /** where the database's warnings go (a server away, an old data folder); default: the console */
  logger?: Pick<Logger, 'warn'>;
  /** told each failure at the database: a query, or an attempt to connect (the metrics count them) */
  onDatabaseError?: () => void;
  /** dataDir's server, started already (npm start starts it while the rest loads): the store owns it from here */
  dataDirServer?: EmbeddedServer;
}

const { knex } = knexModule;
/** connections to the embedded server of a data folder; it allows 50 */
const EMBEDDED_POOL = 30;

/** The one place that picks the database; answers its stores. Not migrated here: call `stores.database.migrate()`. */
export async function openStore(options: OpenStoreOptions): Promise<Stores> {
  const warn = (message: string) => (options.logger ? options.logger.warn(message) : console.warn(message));
  const watch = (db: Knex): Knex => {
    if (options.onDatabaseError) watchErrors(db, options.onDatabaseError);
    return db;
  };
  // while the server is away every acquire warns with a stack trace: its first line says all there is to say
  const log = { warn: (message: unknown) => warn(`database: ${String(message).split('\n')[0]}`) };
  if (options.databaseUrl) {
    // compileSqlOnError: a failed query's message shows `$1`, not the values (a partner's key among them)
    const db = watch(knex({ client: 'pg', connection: options.databaseUrl, pool: { min: 0, max: 10 }, log, compileSqlOnError: false }));
    await checkConnection(db);
    return createStores(db, 'pg');
  }
  if (options.inMemory) {
    const scratch = await scratchServer();
    const name = await scratch.createDatabase();
    const db = watch(connectionTo(scratch.socketDir, name, { min: 0, max: 5, idleTimeoutMillis: 1000 }, log));
    const drop = () => scratch.dropDatabase(name);
    await checkConnection(db, drop);
    return createStores(db, 'embedded', drop);
  }
  if (!options.dataDir) throw new Error('openStore: give databaseUrl, dataDir or inMemory');
  const server = options.dataDirServer ?? (await startDataDirServer(options.dataDir, warn));
  const stop = () => server.stop();
  // The server is ours (max_connections 50): with 50 clients at once, 10 connections kept requests waiting for one
  // (bench:peers, two back-to-back pairs of runs: pay ~650 → ~1,250 req/s, query ~950 → ~1,330; refund about even).
  const db = watch(connectionTo(server.socketDir, 'postgres', { min: 0, max: EMBEDDED_POOL }, log));
  await checkConnection(db, stop);
  return createStores(db, 'embedded', stop);
}

/** a failed query (knex's `query-error`) or a failed attempt to connect (tarn's `createFail`; the pool retries) */
function watchErrors(db: Knex, onError: () => void): void {
  db.on('query-error', () => onError());
  (db.client as { pool?: { on(event: string, fn: () => void): void } }).pool?.on('createFail', () => onError());
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
