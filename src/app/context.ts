import { AdminService } from './admin-service.ts';
import { CaseService } from './case-service.ts';
import { randomBytes } from 'node:crypto';
import type { Rule } from '../core/rules/types.ts';
import type { Partner } from '../core/types.ts';
import type { PartnerStore } from '../store/partner-store.ts';
import type { DatabaseStatus, Stores } from '../store/stores.ts';
import { type Logger, createLogger } from '../telemetry/logger.ts';
import { Metrics } from '../telemetry/metrics.ts';
import { ChangeSync } from './change-sync.ts';
import { PartnerAdmin } from './partner-admin.ts';
import { OffsetClock } from './clock.ts';
import { GatewayService } from './gateway-service.ts';
import { Notifier } from './notifier.ts';
import { PartnerCache } from './partner-cache.ts';
import { PlannerStats } from './planner-stats.ts';
import { DEFAULT_RETENTION, RequestLogRetention, type RetentionRule } from './request-log-retention.ts';
import { RequestLogWriter } from './request-log-writer.ts';
import { RuleService } from './rule-service.ts';

/** Everything one running mock holds: no globals, so two in one process never share state. */
export interface AppContext {
  /** the feature stores: the context hands each service the ones it needs; routes go through the services */
  stores: Stores;
  /** what the health check and the pages say about the database */
  database: DatabaseStatus;
  clock: OffsetClock;
  partners: PartnerCache;
  rules: RuleService;
  requestLog: RequestLogWriter;
  /** keeps the request log bounded, in the background */
  retention: RequestLogRetention;
  gateway: GatewayService;
  sync: ChangeSync;
  notifier: Notifier;
  defaultPartner: Partner;
  /** what the pages, the API and the library do to the mock: rules, scenarios, partners, clocks, reset, ... */
  admin: AdminService;
  /** the partners' own settings: keys, notify URL, test notifications */
  partnerAdmin: PartnerAdmin;
  /** the integration test cases */
  cases: CaseService;
  /** signs page sessions and CSRF tokens; the same on every instance sharing the database */
  secret: string;
  /** this mock's log */
  logger: Logger;
  /** this mock's metrics (GET /metrics), on a registry of its own */
  metrics: Metrics;
  /** writes what is pending (request log, rule hits) */
  flush(): Promise<void>;
  /** flushes and closes the database */
  close(): Promise<void>;
}

export interface ContextOptions {
  /** opened by openStore and migrated */
  stores: Stores;
  /** the seeded sandbox merchant */
  defaultPartner: Partner;
  /** overwrite the seeded partner's key even when it exists (the key was configured explicitly) */
  forceDefaultKey?: boolean;
  /** the default rules (rules/*.json, loaded by the caller) */
  defaultRules: readonly Rule[];
  clock?: OffsetClock;
  /** this mock's log (default: one of its own, at info, on standard output) */
  logger?: Logger;
  /** this mock's metrics (default: a registry of its own) */
  metrics?: Metrics;
  /** background failures (writing the request log, a sync, a notification round); default: logged as errors */
  onError?: (error: unknown) => void;
  logIntervalMs?: number;
  /** how much of the request log is kept (default DEFAULT_RETENTION) */
  requestLogRetention?: RetentionRule;
  /** how often to look for changes made by other instances (ms) */
  syncIntervalMs?: number;
  /** how often the statistics of trades and refunds are looked at (ms) */
  statsIntervalMs?: number;
  /** how often due notifications are looked for (ms) */
  notifyIntervalMs?: number;
  /** waits between failed notification attempts (ms); the last one repeats */
  notifyRetryDelaysMs?: readonly number[];
  notifyMaxAttempts?: number;
}

/** Builds the context on migrated stores, seeds the default partner and loads what is held in memory. */
export async function createContext(options: ContextOptions): Promise<AppContext> {
  const { stores } = options;
  const clock = options.clock ?? new OffsetClock();
  const logger = options.logger ?? createLogger();
  const metrics = options.metrics ?? new Metrics();
  const onError = options.onError ?? ((error: unknown) => logger.error({ err: error }, 'background task failed'));
  const partners = new PartnerCache(stores.partners);
  await seedPartner(stores.partners, options.defaultPartner, options.forceDefaultKey ?? false);
  const secret = await stores.settings.getOrCreate('session_secret', randomBytes(32).toString('hex'));
  // the rule service refreshes through the sync (bound below), which reloads the rule service
  const rules = new RuleService(stores.rules, options.defaultRules, (partner) => clock.now(partner), () => sync.refresh(), (rule) => metrics.ruleHit(rule.id));
  const sync: ChangeSync = new ChangeSync(
    stores.changes,
    async () => {
      await Promise.all([partners.reload(), rules.reload(), stores.clocks.listOffsets().then((offsets) => clock.load(offsets))]);
    },
    onError,
    options.syncIntervalMs,
  );
  await sync.refresh();
  sync.start();
  const requestLog = new RequestLogWriter(stores.requestLog, { intervalMs: options.logIntervalMs, onError, reachable: () => stores.database.ping(1000) });
  const gateway = new GatewayService({ trades: stores.trades, notifications: stores.notifications, partners, clock, requestLog, rules, onError });
  const notifier = new Notifier(stores.notifications, {
    intervalMs: options.notifyIntervalMs,
    retryDelaysMs: options.notifyRetryDelaysMs,
    maxAttempts: options.notifyMaxAttempts,
    onError,
    onDelivery: (outcome) => metrics.notificationDelivery(outcome),
  });
  notifier.start();
  const retention = new RequestLogRetention(stores.requestLog, options.requestLogRetention ?? DEFAULT_RETENTION, {
    // the clock the entries are stamped with
    now: () => clock.real().getTime(),
    onError,
  });
  retention.start();
  const hitTimer = setInterval(() => rules.flushHits().catch(onError), 1000);
  hitTimer.unref();
  const plannerStats = new PlannerStats(stores.database, { intervalMs: options.statsIntervalMs, onError });
  plannerStats.start();
  const flush = async () => {
    await Promise.all([requestLog.flush(), rules.flushHits()]);
  };
  // built once, here (routes and helpers take them from the context), each with the stores it needs and no other
  const { trades, clocks, notifications, caseRuns, database } = stores;
  const admin = new AdminService({
    stores: { trades, partners: stores.partners, clocks, requestLog: stores.requestLog, notifications, database },
    clock,
    rules,
    partners,
    sync,
    defaultPartner: options.defaultPartner,
    flush,
  });
  const cases = new CaseService({
    stores: { caseRuns, partners: stores.partners, rules: stores.rules, requestLog: stores.requestLog, notifications },
    clock,
    partners,
    rules,
    requestLog,
  });
  const partnerAdmin = new PartnerAdmin({ partners, sync, clock, defaultPartner: options.defaultPartner, flush });
  let closed = false;
  const ctx: AppContext = {
    stores,
    database: stores.database,
    clock,
    partners,
    rules,
    requestLog,
    retention,
    gateway,
    sync,
    notifier,
    defaultPartner: options.defaultPartner,
    admin,
    partnerAdmin,
    cases,
    secret,
    logger,
    metrics,
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(hitTimer);
      await plannerStats.stop();
      await notifier.stop();
      await retention.stop();
      await sync.stop();
      await Promise.all([requestLog.close(), rules.flushHits()]);
      await stores.database.close();
    },
  };
  return ctx;
}

async function seedPartner(store: PartnerStore, partner: Partner, forceKey: boolean): Promise<void> {
  const existing = await store.get(partner.id);
  if (!existing || (forceKey && existing.key !== partner.key)) await store.upsert(partner);
}
