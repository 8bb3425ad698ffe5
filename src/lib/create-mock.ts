// createApp() for test suites: an Express app at once, its own database behind it, ready by the first request.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { OffsetClock } from '../app/clock.ts';
import type { AppContext } from '../app/context.ts';
import { startMock } from '../compose.ts';
import { DEFAULT_PARTNER_ID, DEFAULT_PARTNER_KEY } from '../config.ts';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE, PARTNER_KEY_PATTERN, PARTNER_KEY_RULE, type Partner } from '../core/types.ts';
import { sendGatewayFallback } from '../http/errors.ts';
import { createHttpServer } from '../http/http-server.ts';
// loaded with the library, not by startMock: a suite's first createApp() must not wait for Express and the pages
import '../http/app.ts';
import { MapiArgumentError, MapiMockError } from '../core/errors.ts';
import { LIBRARY_LOG_LEVEL, type LogLevel, type Logger, createLogger } from '../telemetry/logger.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { type MockHelpers, mockHelpers } from './mock-handle.ts';

export interface MockOptions {
  /** a PostgreSQL server database (`postgres://...`); apps given the same one share its rules and trades */
  databaseUrl?: string;
  /** an embedded database kept in this folder; default: a throw-away one, dropped at close() */
  dataDir?: string;
  /** when set, `/api` needs `Authorization: Bearer <adminToken>` (the gateway never does) */
  adminToken?: string;
  /** the seeded sandbox merchant; default 2088000000000001 / 0123456789abcdefghijklmnopqrstuv */
  partner?: Partner;
  /** real time in ms for the mock's clocks (default Date.now): pass a fixed one for repeatable answers */
  now?: () => number;
  /**
   * more Host names the pages and /api answer to, besides localhost, 127.0.0.1 and [::1] (the gateway answers any);
   * `['*']` for any name
   */
  allowedHosts?: string[];
  /** background failures (writing the request log, ...); default: logged as errors */
  onError?: (error: unknown) => void;
  /**
   * what the mock logs (JSON lines on standard error): `warn` by default, so that a test suite's output stays its
   * own; `debug` adds one line per gateway request; `silent` for nothing
   */
  logLevel?: LogLevel;
}

export interface Mock extends MockHelpers {
  /** the Express app: give it to supertest, or to `app.listen()` */
  readonly app: MockApp;
  /** resolves once the database is migrated and the rules are loaded (requests and helpers wait for it anyway) */
  ready(): Promise<void>;
  /** writes what is pending and closes the database; requests after it answer 503 */
  close(): Promise<void>;
}

/**
 * The Express app, with its mock's helpers on `app.mock`. Typed as what supertest and `http.createServer` take, so
 * that a TypeScript project needs no @types/express (cast to `Express` for the rest of Express's methods).
 */
export interface MockApp {
  (req: IncomingMessage, res: ServerResponse): void;
  readonly mock: Mock;
  /** starts a server, as Express's `app.listen` does */
  listen(port?: number, hostname?: string, callback?: () => void): Server;
}

interface Running {
  ctx: AppContext;
  app: Express;
}

const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

function checkOptions(options: MockOptions): void {
  if (typeof options !== 'object' || options === null) throw new MapiArgumentError('options', 'must be an object');
  if (options.databaseUrl !== undefined && options.dataDir !== undefined) {
    throw new MapiArgumentError('options', 'take databaseUrl or dataDir, not both');
  }
  for (const name of ['databaseUrl', 'dataDir', 'adminToken'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new MapiArgumentError(name, 'must be a non-empty string');
  }
  if (options.allowedHosts !== undefined && (!Array.isArray(options.allowedHosts) || options.allowedHosts.some((name) => typeof name !== 'string'))) {
    throw new MapiArgumentError('allowedHosts', 'must be an array of host names');
  }
  if (options.logLevel !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(options.logLevel)) {
    throw new MapiArgumentError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new MapiArgumentError('now', 'must be a function answering ms since 1970');
  const partner = options.partner;
  if (partner === undefined) return;
  if (typeof partner?.id !== 'string' || !PARTNER_ID_PATTERN.test(partner.id)) throw new MapiArgumentError('partner.id', `must be ${PARTNER_ID_RULE}`);
  if (typeof partner.key !== 'string' || !PARTNER_KEY_PATTERN.test(partner.key)) {
    throw new MapiArgumentError('partner.key', `must be ${PARTNER_KEY_RULE}`);
  }
}

async function start(options: MockOptions, partner: Partner, logger: Logger, onError: (error: unknown) => void, listenHost?: string): Promise<Running> {
  const { ctx, createApp } = await startMock({
    database: options.databaseUrl ? { databaseUrl: options.databaseUrl } : options.dataDir ? { dataDir: options.dataDir } : { inMemory: true },
    defaultPartner: partner,
    forceDefaultKey: options.partner !== undefined,
    clock: new OffsetClock(options.now),
    logger,
    metrics: new Metrics(),
    onError,
    http: { adminToken: options.adminToken ?? null, hosts: { listenHost, extra: options.allowedHosts } },
  });
  return { ctx, app: createApp() };
}

/** a gateway client reads XML whatever happened; everyone else reads JSON */
function unavailable(req: Request, res: Response, status: number, message: string): void {
  if (req.path.endsWith('/gateway.do')) {
    sendGatewayFallback(res, { status });
  } else {
    res.status(status).json({ errors: { server: message } });
  }
}

/**
 * A mock of its own: its own throw-away database unless given one, so two in one process never share state.
 * Nothing is opened until the first request or helper call, and everything waits for it.
 */
export function createMock(options: MockOptions = {}, internal: { listenHost?: string } = {}): Mock {
  checkOptions(options);
  const partner: Partner = { id: options.partner?.id ?? DEFAULT_PARTNER_ID, key: options.partner?.key ?? DEFAULT_PARTNER_KEY };
  // standard error: a test runner's reporter may own standard output
  const logger = createLogger({ level: options.logLevel ?? LIBRARY_LOG_LEVEL, destination: process.stderr });
  const onError = options.onError ?? ((error: unknown) => logger.error({ err: error }, 'background task failed'));
  let starting: Promise<Running> | null = null;
  let running: Running | null = null;
  let closed = false;

  const run = (): Promise<Running> => {
    if (closed) return Promise.reject(new MapiMockError('this mock is closed'));
    starting ??= start(options, partner, logger, onError, internal.listenHost).then((result) => {
      running = result;
      return result;
    });
    return starting;
  };

  const outer = express();
  outer.disable('x-powered-by');
  outer.set('etag', false);
  outer.use((req: Request, res: Response, next: NextFunction) => {
    if (closed) return unavailable(req, res, 503, 'this mock is closed');
    if (running) return running.app(req, res, next);
    run().then(
      (ready) => ready.app(req, res, next),
      (error: unknown) => {
        onError(error);
        unavailable(req, res, 500, `mapi-mock could not start: ${(error as Error).message}`);
      },
    );
  });

  // listen() as Express's, on a server that takes 1 MiB of headers and answers unparseable requests in XML
  (outer as { listen: unknown }).listen = (...args: unknown[]) => (createHttpServer(outer).listen as (...a: unknown[]) => Server)(...args);
  const app = outer as unknown as MockApp;
  const mock: Mock = {
    ...mockHelpers(async () => (await run()).ctx, partner, app),
    app,
    async ready() {
      await run();
    },
    async close() {
      if (closed) return;
      closed = true;
      const result = await starting?.catch(() => null);
      await result?.ctx.close();
    },
  };
  Object.defineProperty(outer, 'mock', { value: mock, enumerable: false });
  return mock;
}

/** The Express app of a new mock (never listening: give it to supertest); its helpers are on `app.mock`. */
export function createApp(options: MockOptions = {}): MockApp {
  return createMock(options).app;
}
