import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { MapiClient } from '../client/mapi-client.ts';
import type { MapiCharset } from '../client/signing.ts';
import type { Partner } from '../core/types.ts';
import { type Mock, type MockOptions, createMock } from './create-mock.ts';
import { MapiArgumentError } from '../core/errors.ts';

export interface ServerOptions extends MockOptions {
  /** default 0: a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:49731` */
  url: string;
  /** `url` + `/gateway.do`: what an integration under test points at */
  gatewayUrl: string;
  port: number;
  /** the seeded sandbox merchant */
  partner: Partner;
  /** the helpers (rules, scenario, reset, requests, trades, clock) */
  mock: Mock;
  /** a MapiClient that sends to this server's URL, as the sandbox partner unless told */
  client(options?: { charset?: MapiCharset; method?: 'POST' | 'GET'; partner?: Partner }): MapiClient;
  /** stops listening, drops open connections and closes the mock */
  close(): Promise<void>;
}

/** A mock listening on a free port of 127.0.0.1 (by default), ready when the promise resolves. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const { port = 0, host = '127.0.0.1', ...mockOptions } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new MapiArgumentError('port', `must be a whole number from 0 to 65535; got ${port}`);
  const mock = createMock(mockOptions, { listenHost: host });
  try {
    await mock.ready();
  } catch (error) {
    await mock.close();
    throw error;
  }
  const server = mock.app.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (error) {
    await mock.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const gatewayUrl = `${url}/gateway.do`;
  let closing: Promise<void> | null = null;
  return {
    url,
    gatewayUrl,
    port: address.port,
    partner: mock.partner,
    mock,
    client(clientOptions = {}) {
      const who = clientOptions.partner ?? mock.partner;
      return new MapiClient({ gatewayUrl, partner: who.id, key: who.key, charset: clientOptions.charset, method: clientOptions.method });
    },
    close() {
      closing ??= (async () => {
        const closed = once(server, 'close');
        server.close();
        server.closeAllConnections();
        await closed;
        await mock.close();
      })();
      return closing;
    },
  };
}
