import type { Partner } from '../core/types.ts';
import type { Store } from '../store/store.ts';
import { OffsetClock } from './clock.ts';
import { GatewayService } from './gateway-service.ts';
import { PartnerCache } from './partner-cache.ts';
import { RequestLogWriter } from './request-log-writer.ts';

/** Everything one running mock holds: no globals, so two in one process never share state. */
export interface AppContext {
  store: Store;
  clock: OffsetClock;
  partners: PartnerCache;
  requestLog: RequestLogWriter;
  gateway: GatewayService;
  /** writes what is pending (the request log) and closes the store */
  close(): Promise<void>;
}

export interface ContextOptions {
  store: Store;
  /** the seeded sandbox merchant */
  defaultPartner: Partner;
  /** overwrite the seeded partner's key even when it exists (the key was configured explicitly) */
  forceDefaultKey?: boolean;
  clock?: OffsetClock;
  onError?: (error: unknown) => void;
  logIntervalMs?: number;
}

/** Builds the context on a migrated store and seeds the default partner. */
export async function createContext(options: ContextOptions): Promise<AppContext> {
  const { store } = options;
  const clock = options.clock ?? new OffsetClock();
  const partners = new PartnerCache(store);
  const existing = await store.getPartner(options.defaultPartner.id);
  if (!existing || (options.forceDefaultKey && existing.key !== options.defaultPartner.key)) {
    await store.upsertPartner(options.defaultPartner);
  }
  await partners.reload();
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const requestLog = new RequestLogWriter(store, { intervalMs: options.logIntervalMs, onError });
  const gateway = new GatewayService({ store, partners, clock, requestLog, onError });
  let closed = false;
  return {
    store,
    clock,
    partners,
    requestLog,
    gateway,
    async close() {
      if (closed) return;
      closed = true;
      await requestLog.flush();
      await store.close();
    },
  };
}
