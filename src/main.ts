// The entry point of `npm start` (and of `mapi-mock serve`): reads the environment, starts one server or WORKERS,
// and owns the process (signals, exit). The start-up itself is compose.ts's.
import cluster from 'node:cluster';
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './store/data-dir-lock.ts';
import { startDataDirServer } from './store/embedded-postgres.ts';
import { type Logger, createLogger } from './telemetry/logger.ts';

/**
 * One server: the mock started as configured, listening. Returns the URL and how to stop.
 * The embedded database's server starts first, and the rest of the mock (knex, the services: most of a start on
 * an existing data folder) loads while PostgreSQL starts in its own processes: hence the imports here rather than
 * at the top of the file. The pages and /api load once the gateway listens (compose.ts, startServer).
 */
async function serve(config: Config, logger: Logger): Promise<{ base: string; banner: string[]; stop: () => Promise<void>; pages: Promise<void>; stopping: () => boolean }> {
  const early = config.databaseUrl ? undefined : startDataDirServer(config.dataDir, (message) => logger.warn(message));
  early?.catch(() => undefined); // its failure (a folder in use) is thrown below, once the imports are done
  let modules;
  try {
    modules = await Promise.all([import('./compose.ts'), import('./http/http-server.ts'), import('./telemetry/metrics.ts')]);
  } catch (error) {
    await early?.then((server) => server.stop(), () => undefined);
    throw error;
  }
  const [{ startServer, startOptionsOf }, { createHttpServer }, { Metrics }] = modules;
  const metrics = new Metrics({ processMetrics: true });
  const options = { ...startOptionsOf(config), logger, metrics };
  if (early) options.database = { dataDir: config.dataDir, dataDirServer: await early };
  const { ctx, defaultRules, kind, listener, pages } = await startServer(options);
  const server = createHttpServer(listener).listen(config.port, config.host);
  await once(server, 'listening');

  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const base = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const partner = ctx.partners.get(config.defaultPartnerId)!;
  const banner = [
    `mapi-mock listening on ${base}`,
    `  gateway:    ${base}/gateway.do`,
    `  partner:    ${partner.id}`,
    `  MD5 key:    ${partner.key}`,
    `  rules:      ${ctx.rules.list().length} (${defaultRules.length} default)`,
    `  database:   ${kind === 'pg' ? 'PostgreSQL (DATABASE_URL)' : `embedded PostgreSQL in ${config.dataDir}/pg/`}`,
  ];
  // once: a signal and a failed start may both ask for it, and the second must wait for the first
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      server.close();
      server.closeIdleConnections();
      const force = setTimeout(() => server.closeAllConnections(), 5_000);
      force.unref();
      await once(server, 'close').catch(() => undefined);
      await ctx.close();
    })());
  return { base, banner, stop, pages, stopping: () => stopping !== null };
}

function onSignals(logger: Logger, handler: (signal: string) => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      handler(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, `${signal}: shutting down failed`);
          process.exit(1);
        },
      );
    });
  }
}

/** What `npm start` and `mapi-mock serve` run: the configuration from the environment, then one server or WORKERS. */
export async function runServer(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger({ level: config.logLevel });
  // A stray rejection is logged, never a reason to take the gateway down under a POS.
  process.on('unhandledRejection', (reason) => logger.error({ err: reason }, 'unhandled rejection'));
  let workers = config.workers;
  if (workers > 1 && !config.databaseUrl) {
    logger.warn('WORKERS > 1 needs DATABASE_URL: the embedded database belongs to one process. Running one.');
    workers = 1;
  }
  if (workers > 1 && cluster.isPrimary) return primary(config, workers, logger);

  const server = await serve(config, logger);
  // the gateway answers already: a signal from here on is a clean shutdown
  onSignals(logger, async (signal) => {
    if (!cluster.isWorker) logger.info(`${signal}: shutting down`);
    await server.stop();
  });
  // the pages and /api load after the gateway answers; a module that cannot load still fails the start
  // (unless a signal is stopping the server meanwhile: Ctrl-C reaches tsx's esbuild too, failing the imports)
  const loaded = await server.pages.then(
    () => true,
    async (error: unknown) => {
      if (server.stopping()) return false;
      await server.stop().catch(() => undefined);
      throw error;
    },
  );
  if (!loaded) return;
  if (cluster.isWorker) {
    process.send?.({ banner: server.banner });
  } else {
    for (const line of server.banner) console.log(line);
    warnIfOpen(config);
  }
}

/** Several processes share the port (both cores busy); each has its own pool and in-memory rules. */
function primary(config: Config, workers: number, logger: Logger): void {
  let stopping = false;
  let printed = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.on('message', (message: { banner?: string[] }) => {
      if (message.banner && !printed) {
        printed = true;
        for (const line of message.banner) console.log(line);
        console.log(`  workers:    ${workers}`);
        warnIfOpen(config);
      }
    });
  };
  for (let i = 0; i < workers; i++) fork();
  cluster.on('exit', (worker, code) => {
    if (stopping) return;
    logger.error(`worker ${worker.process.pid} exited (${code}); starting another`);
    fork();
  });
  onSignals(logger, async (signal) => {
    stopping = true;
    logger.info(`${signal}: shutting down ${workers} workers`);
    const exits = Object.values(cluster.workers ?? {}).map((worker) => {
      worker!.process.kill('SIGTERM');
      return once(worker!, 'exit');
    });
    await Promise.all(exits);
  });
}

function warnIfOpen(config: Config): void {
  if ((config.host === '0.0.0.0' || config.host === '::') && !config.adminToken) {
    console.warn('WARNING: listening on every interface without ADMIN_TOKEN: anyone on the network can change rules and read keys.');
  }
}

export async function exitOnStartError(error: unknown): Promise<never> {
  const { DefaultRulesError } = await import('./store/default-rules.ts');
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else if (error instanceof DefaultRulesError) console.error(`Default rules: ${error.message}`);
  else if (error instanceof DataDirInUseError) console.error(error.message);
  else console.error(error);
  process.exit(1);
}

/** started as a script (npm start, or a WORKERS fork of it), not imported by the CLI */
function startedAsScript(): boolean {
  const entry = process.argv[1];
  try {
    return entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (startedAsScript()) runServer().catch(exitOnStartError);
