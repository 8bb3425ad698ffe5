// What the admin API does beyond editing rules: explain, scenarios, reset, clocks, partners, and the listings.
import { randomBytes, randomInt } from 'node:crypto';
import { describeRule, type Errors, parseRule } from '../core/rules/schema.ts';
import type { NearMiss, Rule, StoredRule } from '../core/rules/types.ts';
import { serviceLabel } from '../core/rules/vocabulary.ts';
import { advanceTrade, getService } from '../core/services/index.ts';
import type { Partner, Refund, ServiceName, Trade } from '../core/types.ts';
import type { NotificationFilter, NotificationRecord, RequestLogEntry, RequestLogFilter, TradeFilter } from '../store/records.ts';
import type { Database, Stores } from '../store/stores.ts';
import type { ChangeSync } from './change-sync.ts';
import type { OffsetClock } from './clock.ts';
import type { PartnerCache } from './partner-cache.ts';
import type { RuleResult, RuleService } from './rule-service.ts';

/** above every ordinary custom rule's usual priority: a scenario answers whatever else is set up */
export const SCENARIO_PRIORITY = 1_000_000;
export const SCENARIO_ID_PREFIX = 'scenario-';
const KEY_ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
/** the latest time a clock may be moved to: beyond it Date cannot be written as ISO */
const LATEST_TIME = Date.parse('9999-12-31T23:59:59Z');

export interface ScenarioInput {
  service?: unknown;
  partner?: unknown;
  type?: unknown;
  resultCode?: unknown;
  error?: unknown;
  fault?: unknown;
  delayMs?: unknown;
  durationMinutes?: unknown;
}

export interface ActiveScenario {
  rule: StoredRule;
  /** null when someone removed its end (PATCH activeUntil: null) */
  secondsLeft: number | null;
}

export interface Explanation {
  rule: StoredRule | null;
  nearMisses: NearMiss[];
  /** the stored trade the request refers to, as the gateway would see it now */
  trade: Trade | null;
}

export type ClockResult = { ok: true; now: Date } | { ok: false; status: 400 | 404; errors: Errors };

/** 32 characters of [0-9a-z], like the keys Alipay hands out */
export function generateKey(length = 32): string {
  let key = '';
  for (let i = 0; i < length; i++) key += KEY_ALPHABET[randomInt(KEY_ALPHABET.length)];
  return key;
}

function newestFirst(a: Trade, b: Trade): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.alipayTransId < b.alipayTransId ? 1 : a.alipayTransId > b.alipayTransId ? -1 : 0);
}

function defined(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));
}

/** what AdminService works with: the services of the context, and the stores of the features it lists or changes */
export interface AdminDeps {
  stores: Pick<Stores, 'trades' | 'partners' | 'clocks' | 'requestLog' | 'notifications'> & { database: Pick<Database, 'resetRulesAndData'> };
  clock: OffsetClock;
  rules: RuleService;
  partners: PartnerCache;
  sync: ChangeSync;
  defaultPartner: Partner;
  /** writes what is pending (request log, rule hits) */
  flush(): Promise<void>;
}

export class AdminService {
  constructor(private readonly deps: AdminDeps) {}

  /** a trade as it stands at its partner's now: a waiting trade past its time shows settled or closed */
  private shown(trade: Trade): Trade {
    return advanceTrade(trade, this.deps.clock.now(trade.partner)) ?? trade;
  }

  /** the trade a request refers to, looked up the way the gateway does */
  private async tradeFor(service: ServiceName, partner: string, params: Record<string, string>): Promise<Trade | null> {
    const ref = getService(service).ref(params);
    const reader = this.deps.stores.trades.reader;
    // as at the gateway: an alipay_trans_id that names nothing does not fall back to partner_trans_id
    const trade = ref.alipayTransId
      ? await reader.findTradeByAlipayTransId(partner, ref.alipayTransId)
      : ref.partnerTransId
        ? await reader.findTradeByPartnerTransId(partner, ref.partnerTransId)
        : null;
    return trade && this.shown(trade);
  }

  async explain(service: ServiceName, partner: string, params: Record<string, string>): Promise<Explanation> {
    const now = this.deps.clock.now(partner);
    const trade = await this.tradeFor(service, partner, params);
    return { ...this.deps.rules.explain({ service, partner, params, trade, now }), trade };
  }

  /** Antom's error scenario simulation: a rule answering every request of the service until it expires. */
  async createScenario(input: ScenarioInput): Promise<RuleResult> {
    const id = `${SCENARIO_ID_PREFIX}${randomBytes(6).toString('hex')}`;
    const then = defined({
      type: input.type ?? 'business',
      resultCode: input.resultCode,
      error: input.error,
      fault: input.fault,
      delayMs: input.delayMs,
    });
    const rule = {
      id,
      service: input.service,
      partner: input.partner ?? null,
      priority: SCENARIO_PRIORITY,
      when: [],
      then,
      durationMinutes: input.durationMinutes,
    };
    const errors: Errors = {};
    if (input.durationMinutes === undefined || input.durationMinutes === null) errors.durationMinutes = 'is required: 30, 60, 90 or 120';
    const partner = typeof input.partner === 'string' ? input.partner : null;
    const parsed = parseRule(rule, { now: this.deps.clock.now(partner), newId: () => id });
    // the body is flat: `then.resultCode` is `resultCode` to whoever sent it
    if (!parsed.ok) for (const [key, message] of Object.entries(parsed.errors)) errors[key.replace(/^then\./, '')] ??= message;
    if (!parsed.ok || Object.keys(errors).length > 0) return { ok: false, status: 400, errors };
    return this.deps.rules.create({ ...rule, name: scenarioName(parsed.rule, Number(input.durationMinutes)) });
  }

  /** scenarios whose time has not run out, on their partner's clock (real time for every-partner ones) */
  listScenarios(): ActiveScenario[] {
    return this.deps.rules.list().flatMap((rule): ActiveScenario[] => {
      if (rule.source !== 'custom' || !rule.id.startsWith(SCENARIO_ID_PREFIX)) return [];
      if (rule.activeUntil === null) return [{ rule, secondsLeft: null }];
      const left = Date.parse(rule.activeUntil) - this.deps.clock.now(rule.partner).getTime();
      return left > 0 ? [{ rule, secondsLeft: Math.ceil(left / 1000) }] : [];
    });
  }

  /** custom rules, default-rule switches, clocks, trades and logs gone; defaults and partners reloaded */
  async reset(): Promise<void> {
    // what is still buffered (log entries, hits) belongs to before the reset and must not reappear after it
    await this.deps.flush();
    await this.deps.stores.database.resetRulesAndData();
    const seeded = this.deps.defaultPartner;
    if (!(await this.deps.stores.partners.get(seeded.id))) await this.deps.partners.upsert(seeded);
    await this.deps.sync.refresh();
  }

  /** newest first */
  listRequests(filter: RequestLogFilter): Promise<RequestLogEntry[]> {
    return this.deps.stores.requestLog.list(filter);
  }

  /** one logged request, or null */
  getRequest(id: string): Promise<RequestLogEntry | null> {
    return this.deps.stores.requestLog.get(id);
  }

  /** how many trades and logged requests the database holds, every partner */
  async counts(): Promise<{ trades: number; requests: number }> {
    const [trades, requests] = await Promise.all([this.deps.stores.trades.countTrades(), this.deps.stores.requestLog.count()]);
    return { trades, requests };
  }

  /** the queued notifications, newest first */
  listNotifications(filter: NotificationFilter): Promise<NotificationRecord[]> {
    return this.deps.stores.notifications.list(filter);
  }

  /** pending again and due now; null when unknown */
  resendNotification(id: string): Promise<NotificationRecord | null> {
    return this.deps.stores.notifications.resend(id);
  }

  /** newest first, as they stand now; the state filter applies to that shown state */
  async listTrades(filter: TradeFilter & { limit: number }): Promise<Trade[]> {
    const { state, ...rest } = filter;
    const store = this.deps.stores.trades;
    if (state === undefined) return (await store.listTrades(rest)).map((trade) => this.shown(trade));
    // a stored WAIT_BUYER_PAY trade may be shown settled or closed by now: look among those too
    const lists = await Promise.all([
      store.listTrades(filter),
      ...(state === 'WAIT_BUYER_PAY' ? [] : [store.listTrades({ ...rest, state: 'WAIT_BUYER_PAY' })]),
    ]);
    return lists
      .flat()
      .map((trade) => this.shown(trade))
      .filter((trade) => trade.state === state)
      .sort(newestFirst)
      .slice(0, filter.limit);
  }

  async getTrade(partner: string, partnerTransId: string): Promise<{ trade: Trade; refunds: Refund[] } | null> {
    const trade = await this.deps.stores.trades.reader.findTradeByPartnerTransId(partner, partnerTransId);
    if (!trade) return null;
    return { trade: this.shown(trade), refunds: await this.deps.stores.trades.listRefunds(partner, partnerTransId) };
  }

  /** the trade as stored (not advanced to now), or null */
  storedTrade(partner: string, partnerTransId: string): Promise<Trade | null> {
    return this.deps.stores.trades.reader.findTradeByPartnerTransId(partner, partnerTransId);
  }

  /** known here, or stored by another instance a moment ago */
  async partnerExists(id: string): Promise<boolean> {
    return this.deps.partners.get(id) !== undefined || (await this.deps.stores.partners.get(id)) !== null;
  }

  listPartners(): Partner[] {
    return this.deps.partners.list().sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** creates the partner or replaces its key; a key is generated when none is given */
  async savePartner(id: string, key: string | null): Promise<{ partner: Partner; created: boolean }> {
    const created = (await this.deps.stores.partners.get(id)) === null;
    const partner = { id, key: key ?? generateKey() };
    await this.deps.partners.upsert(partner);
    return { partner, created };
  }

  /** moves a partner's clock forward, or back to real time (`advanceSeconds` null) */
  async moveClock(partner: string, advanceSeconds: number | null): Promise<ClockResult> {
    if (!(await this.partnerExists(partner))) {
      return { ok: false, status: 404, errors: { partner: `no partner ${partner}` } };
    }
    const clock = this.deps.clock;
    const offset = advanceSeconds === null ? null : clock.offset(partner) + advanceSeconds * 1000;
    if (offset !== null && clock.now(partner).getTime() + advanceSeconds! * 1000 > LATEST_TIME) {
      return { ok: false, status: 400, errors: { advanceSeconds: 'would move the clock past the year 9999' } };
    }
    await this.deps.stores.clocks.setOffset(partner, offset);
    clock.set(partner, offset);
    return { ok: true, now: clock.now(partner) };
  }
}

/** "Scenario: pay → FAILED / SYSTEM_ERROR for 30 min" */
function scenarioName(rule: Rule, minutes: number): string {
  const described = describeRule({ when: [], then: rule.then });
  const outcome = described.slice(described.indexOf('→') + 2);
  return `Scenario: ${serviceLabel(rule.service)} → ${outcome} for ${minutes} min`;
}
