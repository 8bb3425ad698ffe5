// The helpers a test suite drives the mock with, from code: rules, scenarios, reset, the request log, trades, clocks.
import type { CaseResult } from '../app/case-service.ts';
import { CASE_IDS, type CaseId } from '../core/cases/types.ts';
import { type CaseItem, caseItem, caseReport } from '../http/api/case-routes.ts';
import type { AppContext } from '../app/context.ts';
import type { RuleResult } from '../app/rule-service.ts';
import { MapiClient } from '../client/mapi-client.ts';
import type { MapiCharset } from '../client/signing.ts';
import type { RequestListenerLike } from '../client/transport.ts';
import type { Condition, Fault, Outcome, Rule, RuleSource } from '../core/rules/types.ts';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE, PARTNER_KEY_PATTERN, PARTNER_KEY_RULE, TRADE_STATES, type Partner, type TradeState } from '../core/types.ts';
import { type RuleItem, refundItem, requestItem, ruleItem, tradeItem } from '../http/api/present.ts';
import { MapiArgumentError, MapiRuleError } from '../core/errors.ts';
import { type ServiceInput, requireService, serviceName } from '../core/service-alias.ts';

export type { CaseId, CaseItem, RuleItem };
export type CaseReport = ReturnType<typeof caseReport>;
export type RequestItem = ReturnType<typeof requestItem>;
export type TradeItem = ReturnType<typeof tradeItem>;
export type RefundItem = ReturnType<typeof refundItem>;

/** a rule as `POST /api/rules` takes it; `service` may also be `'pay'`, `'query'`, `'refund'` or `'cancel'` */
export interface RuleInput {
  id?: string;
  name?: string;
  service: ServiceInput | '*';
  partner?: string | null;
  priority?: number;
  enabled?: boolean;
  activeUntil?: string | null;
  durationMinutes?: 30 | 60 | 90 | 120;
  remainingUses?: number | null;
  when?: Condition[];
  then: Outcome;
}

export interface ScenarioInput {
  service: ServiceInput;
  /** default: every partner */
  partner?: string | null;
  /** default business */
  type?: 'business' | 'gateway' | 'fault';
  resultCode?: string;
  error?: string;
  fault?: Fault;
  delayMs?: number;
  /** default 30 */
  durationMinutes?: 30 | 60 | 90 | 120;
}

export interface RequestFilter {
  service?: ServiceInput;
  partner?: string;
  /** also finds cancels by their out_trade_no */
  partnerTransId?: string;
  /** default 50, at most 500 */
  limit?: number;
}

export interface TradeFilter {
  partner?: string;
  partnerTransId?: string;
  state?: TradeState;
  /** default 50, at most 500 */
  limit?: number;
}

export interface RuleFilter {
  service?: ServiceInput | '*';
  partner?: string | null;
  source?: RuleSource;
  enabled?: boolean;
}

export interface MockRules {
  /** validates with the rule schema (a refusal is a MapiRuleError with one message per field) and installs it */
  add(rule: RuleInput): Promise<RuleItem>;
  get(id: string): Promise<RuleItem | null>;
  /** custom rules first, then the defaults */
  list(filter?: RuleFilter): Promise<RuleItem[]>;
  /** changes the top-level fields given (a default rule takes only `{ enabled }`) */
  update(id: string, changes: Partial<RuleInput>): Promise<RuleItem>;
  remove(id: string): Promise<void>;
  /** the custom rules, as `GET /api/rules/export` has them */
  export(): Promise<Rule[]>;
  /** all or nothing: one refused rule refuses the import (errors keyed `rules.N.field`) */
  import(rules: RuleInput[], mode?: 'merge' | 'replace'): Promise<RuleItem[]>;
}

export interface MockClock {
  /** moves the partner's clock forward (default: the sandbox partner); answers its new time */
  advance(seconds: number, partner?: string): Promise<Date>;
  /** back to real time (what happened stays) */
  reset(partner?: string): Promise<void>;
  now(partner?: string): Promise<Date>;
}

export interface MockPartners {
  /** creates a partner, or replaces its key; a key is generated when none is given */
  add(partner: { id: string; key?: string }): Promise<Partner>;
  list(): Promise<Partner[]>;
}

/** the integration test cases (Antom's Test case tool) of a partner: the sandbox partner unless named */
export interface MockCases {
  /** every case with its state, graded now */
  list(partner?: string): Promise<CaseItem[]>;
  get(id: CaseId, partner?: string): Promise<CaseItem>;
  /** (re)starts the case and arms its one-shot answer for the partner's next request of that service */
  start(id: CaseId, partner?: string): Promise<CaseItem>;
  /** not started again, its armed answer removed */
  reset(id: CaseId, partner?: string): Promise<CaseItem>;
  /** `{ partner, passed, failed, waiting, notStarted, items }`, as `GET /api/cases/report` */
  report(partner?: string): Promise<CaseReport>;
}

export interface MockHelpers {
  /** the seeded sandbox merchant */
  readonly partner: Partner;
  readonly rules: MockRules;
  readonly clock: MockClock;
  readonly partners: MockPartners;
  readonly cases: MockCases;
  /** Antom's error scenario simulation: every request of the service gets this answer for 30 (or 60, 90, 120) minutes */
  scenario(input: ScenarioInput): Promise<RuleItem>;
  /** custom rules, default-rule switches, trades, the request log and clocks gone; defaults and partners stay */
  reset(): Promise<void>;
  /** the request log, newest first; includes every request answered so far */
  requests(filter?: RequestFilter): Promise<RequestItem[]>;
  /** trades, newest first, as they stand now */
  trades(filter?: TradeFilter): Promise<TradeItem[]>;
  /** one trade with its refunds, or null */
  trade(partnerTransId: string, partner?: string): Promise<(TradeItem & { refunds: RefundItem[] }) | null>;
  /** a MapiClient that sends to this app, as the sandbox partner unless told */
  client(options?: { charset?: MapiCharset; method?: 'POST' | 'GET'; partner?: Partner }): MapiClient;
}

function stored(result: RuleResult): RuleItem {
  if (!result.ok) throw new MapiRuleError(result.errors, result.status);
  return ruleItem(result.rule);
}

/** the rule with a short service name replaced by the full one; anything else goes to the schema as it is */
function withServiceName<T>(rule: T): T {
  if (typeof rule !== 'object' || rule === null || !('service' in rule)) return rule;
  return { ...rule, service: serviceName(rule.service) ?? rule.service };
}

/** the value of a CaseService answer, or the typed error for an unknown case or partner */
function caseValue<T>(result: CaseResult<T>): T {
  if (result.ok) return result.value;
  const [argument, message] = Object.entries(result.errors)[0] ?? ['partner', 'is unknown'];
  throw new MapiArgumentError(argument, message);
}

function caseId(id: unknown): CaseId {
  if (typeof id !== 'string' || !(CASE_IDS as readonly string[]).includes(id)) {
    throw new MapiArgumentError('id', `must be one of ${CASE_IDS.join(', ')}; got ${JSON.stringify(id)}`);
  }
  return id as CaseId;
}

function limit(value: unknown): number {
  if (value === undefined) return 50;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 500) {
    throw new MapiArgumentError('limit', `must be a whole number from 1 to 500; got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalString(value: unknown, argument: string): string | undefined {
  if (value !== undefined && (typeof value !== 'string' || value === '')) throw new MapiArgumentError(argument, 'must be a non-empty string');
  return value;
}

export function mockHelpers(
  context: () => Promise<AppContext>,
  partner: Partner,
  app: RequestListenerLike,
): MockHelpers {
  const admin = async () => (await context()).admin;
  const rules = async () => (await context()).rules;
  const cases = async () => (await context()).cases;
  const who = (value: unknown): string => optionalString(value, 'partner') ?? partner.id;

  return {
    partner,
    rules: {
      add: async (rule) => stored(await (await rules()).create(withServiceName(rule))),
      get: async (id) => {
        const rule = (await rules()).get(id);
        return rule ? ruleItem(rule) : null;
      },
      list: async (filter = {}) => {
        const service = filter.service === undefined || filter.service === '*' ? filter.service : requireService(filter.service);
        return (await rules()).list({ service, partner: filter.partner, source: filter.source, enabled: filter.enabled }).map(ruleItem);
      },
      update: async (id, changes) => stored(await (await rules()).update(id, withServiceName(changes), 'patch')),
      remove: async (id) => {
        const result = await (await rules()).remove(id);
        if (!result.ok) throw new MapiRuleError(result.errors, result.status);
      },
      export: async () => (await rules()).exportRules(),
      import: async (list, mode = 'merge') => {
        if (mode !== 'merge' && mode !== 'replace') throw new MapiArgumentError('mode', `must be merge or replace; got ${JSON.stringify(mode)}`);
        const given = Array.isArray(list) ? list.map(withServiceName) : list;
        const result = await (await rules()).importRules(given, mode);
        if (!result.ok) throw new MapiRuleError(result.errors);
        return result.rules.map(ruleItem);
      },
    },
    clock: {
      advance: async (seconds, who = partner.id) => {
        if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
          throw new MapiArgumentError('seconds', `must be a whole number of seconds of at least 1; got ${JSON.stringify(seconds)}`);
        }
        const result = await (await admin()).moveClock(who, seconds);
        if (!result.ok) throw new MapiArgumentError(Object.keys(result.errors)[0] ?? 'partner', Object.values(result.errors)[0] ?? 'is refused');
        return result.now;
      },
      reset: async (who = partner.id) => {
        const result = await (await admin()).moveClock(who, null);
        if (!result.ok) throw new MapiArgumentError('partner', Object.values(result.errors)[0] ?? 'is unknown');
      },
      now: async (who = partner.id) => (await context()).clock.now(who),
    },
    partners: {
      add: async ({ id, key }) => {
        if (typeof id !== 'string' || !PARTNER_ID_PATTERN.test(id)) throw new MapiArgumentError('id', `must be ${PARTNER_ID_RULE}; got ${JSON.stringify(id)}`);
        if (key !== undefined && (typeof key !== 'string' || !PARTNER_KEY_PATTERN.test(key))) {
          throw new MapiArgumentError('key', `must be ${PARTNER_KEY_RULE}`);
        }
        return (await (await admin()).savePartner(id, key ?? null)).partner;
      },
      list: async () => (await admin()).listPartners(),
    },
    cases: {
      list: async (p) => caseValue(await (await cases()).list(who(p))).map(caseItem),
      get: async (id, p) => caseItem(caseValue(await (await cases()).get(who(p), caseId(id)))),
      start: async (id, p) => caseItem(caseValue(await (await cases()).start(who(p), caseId(id)))),
      reset: async (id, p) => caseItem(caseValue(await (await cases()).reset(who(p), caseId(id)))),
      report: async (p) => caseReport(caseValue(await (await cases()).report(who(p)))),
    },
    scenario: async (input) => {
      if (typeof input !== 'object' || input === null) throw new MapiArgumentError('scenario', 'must be an object with service and resultCode');
      const service = requireService(input.service);
      return stored(await (await admin()).createScenario({ ...input, service, durationMinutes: input.durationMinutes ?? 30 }));
    },
    reset: async () => (await admin()).reset(),
    requests: async (filter = {}) => {
      const ctx = await context();
      // the log is written in batches: what was answered before this call must be in it
      await ctx.flush();
      const entries = await ctx.admin.listRequests({
        service: filter.service === undefined ? undefined : requireService(filter.service),
        partner: optionalString(filter.partner, 'partner'),
        partnerTransId: optionalString(filter.partnerTransId, 'partnerTransId'),
        limit: limit(filter.limit),
      });
      return entries.map(requestItem);
    },
    trades: async (filter = {}) => {
      if (filter.state !== undefined && !TRADE_STATES.includes(filter.state)) {
        throw new MapiArgumentError('state', `must be one of ${TRADE_STATES.join(', ')}; got ${JSON.stringify(filter.state)}`);
      }
      const trades = await (await admin()).listTrades({
        partner: optionalString(filter.partner, 'partner'),
        partnerTransId: optionalString(filter.partnerTransId, 'partnerTransId'),
        state: filter.state,
        limit: limit(filter.limit),
      });
      return trades.map(tradeItem);
    },
    trade: async (partnerTransId, who = partner.id) => {
      const found = await (await admin()).getTrade(who, partnerTransId);
      return found && { ...tradeItem(found.trade), refunds: found.refunds.map(refundItem) };
    },
    client: (options = {}) => {
      const who = options.partner ?? partner;
      return new MapiClient({ app, partner: who.id, key: who.key, charset: options.charset, method: options.method });
    },
  };
}
