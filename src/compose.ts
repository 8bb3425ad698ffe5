// The one start-up of the mock, shared by `npm start` (main.ts), createMock/createApp (lib/), the CLI (cli/), the
// tests and the benchmarks: the default rules loaded, the database opened and migrated, the context built over
// it, the HTTP app or listener made on request. Nothing else opens a store or builds a context.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { type AppContext, type ContextOptions, createContext } from './app/context.ts';
import type { Config } from './config.ts';
import type { Rule } from './core/rules/types.ts';
import { gatewayListener, gatewayPath } from './http/gateway-routes.ts';
import type { HostOptions } from './http/host-allow-list.ts';
import { type OpenStoreOptions, openStore } from './store/db.ts';
import { loadDefaultRules } from './store/default-rules.ts';
import type { Stores } from './store/stores.ts';
import { createLogger } from './telemetry/logger.ts';
import { Metrics } from './telemetry/metrics.ts';

/**
 * Where the data lives: a PostgreSQL server (`databaseUrl`), the embedded one in a folder (`dataDir`), a throw-away
 * database cloned from the migrated template of this process's scratch server (`inMemory`), or a store the caller
 * opened and migrated already (`stores`: a test's database of its own, or two instances sharing one).
 */
export type DatabaseOptions = OpenStoreOptions | { stores: Stores };

export interface OpenedDatabase {
  stores: Stores;
  /** rules/*.json, read and checked before the database is opened */
  defaultRules: readonly Rule[];
  kind: Stores['database']['kind'];
}

/** The default rules and a migrated store (closed again when migrating fails). */
export async function openDatabase(database: DatabaseOptions): Promise<OpenedDatabase> {
  const defaultRules = await loadDefaultRules();
  if ('stores' in database) return { stores: database.stores, defaultRules, kind: database.stores.database.kind };
  const stores = await openStore(database);
  try {
    await stores.database.migrate();
  } catch (error) {
    await stores.database.close().catch(() => undefined);
    throw error;
  }
  return { stores, defaultRules, kind: stores.database.kind };
}

/** what the pages and /api need of the HTTP side (the gateway answers any Host and needs no token) */
export interface HttpOptions {
  adminToken?: string | null;
  hosts?: HostOptions;
}

export interface StartOptions extends Omit<ContextOptions, 'stores' | 'defaultRules'> {
  database: DatabaseOptions;
  http?: HttpOptions;
}

export interface Started extends OpenedDatabase {
  ctx: AppContext;
  /** the Express app over the context (supertest, createMock) */
  createApp(): Express;
  /** what a node:http server listens with: /gateway.do straight on node:http, the rest through the app */
  createListener(): (req: IncomingMessage, res: ServerResponse) => void;
}

/** Opens the database and builds the running mock over it; on a failure what was opened is closed again. */
export async function startMock(options: StartOptions): Promise<Started> {
  const { database: where, http = {}, ...given } = options;
  // loads while the database opens (most of that is PostgreSQL's own processes)
  const loading = httpApp();
  const { database, ctx } = await startContext(where, given);
  let app: typeof import('./http/app.ts');
  try {
    app = await loading;
  } catch (error) {
    await ctx.close().catch(() => undefined);
    throw error;
  }
  return {
    ...database,
    ctx,
    createApp: () => app.createApp(ctx, http),
    createListener: () => app.createListener(ctx, http),
  };
}

/** the HTTP app's module (Express, the pages, /api), imported when first needed: `npm start` answers the gateway before */
function httpApp(): Promise<typeof import('./http/app.ts')> {
  const loading = import('./http/app.ts');
  loading.catch(() => undefined); // awaited by the caller, after the database
  return loading;
}

async function startContext(where: DatabaseOptions, given: Omit<StartOptions, 'database' | 'http'>): Promise<{ database: OpenedDatabase; ctx: AppContext }> {
  // made first: the database's warnings and errors go to them from the moment it is opened
  const logger = given.logger ?? createLogger();
  const metrics = given.metrics ?? new Metrics();
  const database = await openDatabase('stores' in where ? where : { logger, onDatabaseError: () => metrics.databaseError(), ...where });
  try {
    return { database, ctx: await createContext({ ...given, logger, metrics, stores: database.stores, defaultRules: database.defaultRules }) };
  } catch (error) {
    await database.stores.database.close().catch(() => undefined);
    throw error;
  }
}

export interface StartedServer extends OpenedDatabase {
  ctx: AppContext;
  /** what the node:http server listens with: /gateway.do at once, the rest once `pages` has loaded */
  listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** the HTTP app's modules (Express, the pages, /api) loading: resolves when they answer, rejects if they cannot load */
  pages: Promise<void>;
}

/**
 * What `npm start` runs: startMock without waiting for the HTTP app's modules (Express, the pages, /api: a third of
 * a start on an existing data folder), which load once the gateway can answer. Until then a request for anything
 * but /gateway.do waits for them; then everything goes through createListener as with startMock.
 */
export async function startServer(options: StartOptions): Promise<StartedServer> {
  const { database: where, http = {}, ...given } = options;
  const { database, ctx } = await startContext(where, given);
  const gateway = gatewayListener(ctx.gateway, ctx);
  let full: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const loading = httpApp().then((module) => (full = module.createListener(ctx, http)));
  loading.catch(() => undefined); // the caller hears of it through `pages`
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (full) full(req, res);
    else if (gatewayPath(req.url ?? '/') !== null) void gateway(req, res);
    else loading.then((ready) => ready(req, res), () => res.destroy());
  };
  return { ...database, ctx, listener, pages: loading.then(() => undefined) };
}

/** The database the configuration names: DATABASE_URL's server, else the embedded one in DATA_DIR. */
export function databaseOf(config: Config): OpenStoreOptions {
  return config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir };
}

/** What `npm start` runs with, from the configuration. */
export function startOptionsOf(config: Config): StartOptions {
  return {
    database: databaseOf(config),
    defaultPartner: { id: config.defaultPartnerId, key: config.defaultPartnerKey },
    forceDefaultKey: config.defaultPartnerKeyGiven,
    requestLogRetention: { maxEntries: config.requestLogMaxEntries, maxAgeHours: config.requestLogMaxAgeHours },
    http: { adminToken: config.adminToken, hosts: { listenHost: config.host, extra: config.allowedHosts } },
  };
}
