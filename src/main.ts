// The composition root: the only file with side effects.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createContext } from './app/context.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createApp } from './http/app.ts';
import { openStore } from './store/db.ts';
import { DefaultRulesError, loadDefaultRules } from './store/default-rules.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const defaultRules = await loadDefaultRules();
  const store = await openStore({ databaseUrl: config.databaseUrl ?? undefined, dataDir: config.dataDir });
  await store.migrate();
  const ctx = await createContext({
    store,
    defaultPartner: { id: config.defaultPartnerId, key: config.defaultPartnerKey },
    forceDefaultKey: Boolean(process.env.DEFAULT_PARTNER_KEY),
    defaultRules,
  });
  const app = createApp(ctx);
  const server = app.listen(config.port, config.host);
  await once(server, 'listening');
  server.keepAliveTimeout = 65_000;

  const { port } = server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const base = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  const partner = ctx.partners.get(config.defaultPartnerId)!;
  console.log(`mapi-mock listening on ${base}`);
  console.log(`  gateway:    ${base}/gateway.do`);
  console.log(`  partner:    ${partner.id}`);
  console.log(`  MD5 key:    ${partner.key}`);
  console.log(`  rules:      ${ctx.rules.list().length} (${defaultRules.length} default)`);
  console.log(`  database:   ${store.kind === 'pg' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/`}`);
  if ((config.host === '0.0.0.0' || config.host === '::') && !config.adminToken) {
    console.warn('WARNING: listening on every interface without ADMIN_TOKEN: anyone on the network can change rules and read keys.');
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    server.close();
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), 5_000);
    force.unref();
    await once(server, 'close').catch(() => undefined);
    await ctx.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else if (error instanceof DefaultRulesError) console.error(`Default rules: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
