import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, type Server, type Socket, connect, createServer } from 'node:net';
import type { Express } from 'express';
import type { AppContext } from '../../src/app/context.ts';
import { type Started, startMock } from '../../src/compose.ts';
import { createDatabase, dropDatabase } from '../../src/store/db.ts';
import { KEY, PARTNER } from './app.ts';

export interface TcpProxy {
  port: number;
  /** the database goes away: open connections are dropped and new ones refused */
  cut(): Promise<void>;
  /** back, on the same port */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** A TCP proxy on 127.0.0.1 in front of `target`, that a test can cut and restore (a database outage). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = async () => {
    server = createServer((client) => {
      const upstream = connect(target.port, target.host);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    const closed = once(server, 'close');
    server.close();
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    restore: listen,
    close: () => (server.listening ? stop() : Promise.resolve()),
  };
}

/** `DATABASE_URL` pointed at the proxy instead of the server. */
export function throughProxy(databaseUrl: string, proxy: TcpProxy): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  return url.toString();
}

export interface ProxiedApp {
  app: Express;
  ctx: AppContext;
  proxy: TcpProxy;
  close(): Promise<void>;
}

/**
 * An app on a PostgreSQL database of its own (created on DATABASE_URL's server), reached through a TCP proxy the
 * test can cut. Background failures while the database is away are expected, so they are not reported.
 */
export async function proxiedApp(serverUrl: string): Promise<ProxiedApp> {
  const name = `mapi_test_${randomBytes(6).toString('hex')}`;
  const direct = new URL(await createDatabase(serverUrl, name));
  const proxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  let started: Started | undefined;
  const close = async () => {
    await started?.ctx.close().catch(() => undefined);
    // a close that failed with the database away has not reached the store
    await started?.stores.database.close();
    await proxy.close();
    await dropDatabase(serverUrl, name);
  };
  try {
    started = await startMock({
      database: { databaseUrl: throughProxy(direct.toString(), proxy) },
      defaultPartner: { id: PARTNER, key: KEY },
      onError: () => undefined,
    });
    return { app: started.createApp(), ctx: started.ctx, proxy, close };
  } catch (error) {
    await close();
    throw error;
  }
}
