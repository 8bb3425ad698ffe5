import type { Knex } from 'knex';
import type { Rule, StoredRule } from '../core/rules/types.ts';
import type { Partner, Refund, Trade } from '../core/types.ts';
import type {
  CaseRun,
  NewNotification,
  NotificationAttempt,
  NotificationFilter,
  NotificationRecord,
  TradeReader,
  DefaultRuleState,
  RequestLogEntry,
  RequestLogFilter,
  RuleHit,
  Store,
  TradeFilter,
  TradeTx,
} from './store.ts';
import { deleteCaseRun, finishCaseRun, listCaseRuns, saveCaseRun } from './case-store.ts';
import { listClockOffsets, setClockOffset } from './clock-store.ts';
import { runMigrations } from './migrate.ts';
import {
  claimDueNotifications,
  finishNotificationAttempt,
  insertNotification,
  listNotifications,
  resendNotification,
} from './notification-store.ts';
import { getOrCreateSetting } from './settings-store.ts';
import { deletePartner, getPartner, listPartners, setPartnerNotifyUrl, upsertPartner } from './partner-store.ts';
import { appendRequestLog, countRequests, getRequestLogEntry, listRequestLog, pruneRequestLog } from './request-log-store.ts';
import {
  bumpChangeVersion,
  deleteCustomRule,
  getChangeVersion,
  getCustomRule,
  importCustomRules,
  insertCustomRule,
  listCustomRules,
  listDefaultRuleState,
  recordRuleHits,
  replaceCustomRule,
  setDefaultRuleEnabled,
} from './rule-store.ts';
import { countTrades, createTradeTx, listRefunds, listTrades } from './trade-store.ts';

/**
 * The Store on a knex instance: the same code for a PostgreSQL server and the embedded one. `onClose` runs after knex is destroyed
 * (db.ts stops the embedded server or drops the scratch database there).
 */
export class KnexStore implements Store {
  private closing: Promise<void> | null = null;

  constructor(
    private readonly knex: Knex,
    readonly kind: 'pg' | 'embedded',
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  migrate(): Promise<void> {
    return runMigrations(this.knex, { crossProcessLock: this.kind === 'pg' });
  }

  getOrCreateSetting(key: string, value: string): Promise<string> {
    return getOrCreateSetting(this.knex, key, value);
  }

  get reader(): TradeReader {
    return createTradeTx(this.knex);
  }

  transaction<T>(fn: (tx: TradeTx) => Promise<T>): Promise<T> {
    return this.knex.transaction((trx) => fn(createTradeTx(trx)));
  }

  listPartners(): Promise<Partner[]> {
    return listPartners(this.knex);
  }

  getPartner(id: string): Promise<Partner | null> {
    return getPartner(this.knex, id);
  }

  upsertPartner(partner: Partner): Promise<void> {
    return this.knex.transaction(async (trx) => {
      await upsertPartner(trx, partner);
      await bumpChangeVersion(trx);
    });
  }

  setPartnerNotifyUrl(id: string, notifyUrl: string | null): Promise<boolean> {
    return this.knex.transaction((trx) => setPartnerNotifyUrl(trx, id, notifyUrl));
  }

  deletePartner(id: string): Promise<boolean> {
    return this.knex.transaction((trx) => deletePartner(trx, id));
  }

  listTrades(filter: TradeFilter): Promise<Trade[]> {
    return listTrades(this.knex, filter);
  }

  listRefunds(partner: string, partnerTransId: string): Promise<Refund[]> {
    return listRefunds(this.knex, partner, partnerTransId);
  }

  countTrades(): Promise<number> {
    return countTrades(this.knex);
  }

  pruneRequestLog(rule: { keep: number | null; before: Date | null }): Promise<number> {
    return pruneRequestLog(this.knex, rule);
  }

  appendRequestLog(entries: RequestLogEntry[]): Promise<{ lost: number; error?: unknown }> {
    return appendRequestLog(this.knex, entries);
  }

  listRequestLog(filter: RequestLogFilter): Promise<RequestLogEntry[]> {
    return listRequestLog(this.knex, filter);
  }

  getRequestLogEntry(id: string): Promise<RequestLogEntry | null> {
    return getRequestLogEntry(this.knex, id);
  }

  countRequests(): Promise<number> {
    return countRequests(this.knex);
  }

  listCustomRules(): Promise<StoredRule[]> {
    return listCustomRules(this.knex);
  }

  getCustomRule(id: string): Promise<StoredRule | null> {
    return getCustomRule(this.knex, id);
  }

  insertCustomRule(rule: Rule): Promise<StoredRule> {
    return this.knex.transaction((trx) => insertCustomRule(trx, rule));
  }

  replaceCustomRule(rule: Rule): Promise<StoredRule | null> {
    return this.knex.transaction((trx) => replaceCustomRule(trx, rule));
  }

  deleteCustomRule(id: string): Promise<boolean> {
    return this.knex.transaction((trx) => deleteCustomRule(trx, id));
  }

  importCustomRules(rules: Rule[], mode: 'merge' | 'replace'): Promise<StoredRule[]> {
    return this.knex.transaction((trx) => importCustomRules(trx, rules, mode));
  }

  listDefaultRuleState(): Promise<Map<string, DefaultRuleState>> {
    return listDefaultRuleState(this.knex);
  }

  setDefaultRuleEnabled(id: string, enabled: boolean): Promise<void> {
    return this.knex.transaction((trx) => setDefaultRuleEnabled(trx, id, enabled));
  }

  async recordRuleHits(hits: RuleHit[]): Promise<void> {
    if (hits.length === 0) return;
    await this.knex.transaction((trx) => recordRuleHits(trx, hits));
  }

  listClockOffsets(): Promise<Map<string, number>> {
    return listClockOffsets(this.knex);
  }

  setClockOffset(partner: string, offsetMs: number | null): Promise<void> {
    return this.knex.transaction((trx) => setClockOffset(trx, partner, offsetMs));
  }

  insertNotification(notification: NewNotification): Promise<void> {
    return insertNotification(this.knex, notification);
  }

  claimDueNotifications(limit: number, leaseSeconds: number): Promise<NotificationRecord[]> {
    return claimDueNotifications(this.knex, limit, leaseSeconds);
  }

  finishNotificationAttempt(id: string, attempt: NotificationAttempt): Promise<void> {
    return finishNotificationAttempt(this.knex, id, attempt);
  }

  listNotifications(filter: NotificationFilter): Promise<NotificationRecord[]> {
    return listNotifications(this.knex, filter);
  }

  resendNotification(id: string): Promise<NotificationRecord | null> {
    return resendNotification(this.knex, id);
  }

  listCaseRuns(partner: string): Promise<CaseRun[]> {
    return listCaseRuns(this.knex, partner);
  }

  saveCaseRun(run: CaseRun): Promise<void> {
    return saveCaseRun(this.knex, run);
  }

  finishCaseRun(run: CaseRun, verdict: Pick<CaseRun, 'state' | 'reason' | 'evidence'>): Promise<boolean> {
    return finishCaseRun(this.knex, run, verdict);
  }

  deleteCaseRun(partner: string, caseId: string): Promise<CaseRun | null> {
    return deleteCaseRun(this.knex, partner, caseId);
  }

  getChangeVersion(): Promise<number> {
    return getChangeVersion(this.knex);
  }

  async clearData(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('notifications').del();
      await trx('refunds').del();
      await trx('trades').del();
      await trx('request_log').del();
    });
  }

  async resetRulesAndData(): Promise<void> {
    await this.knex.transaction(async (trx) => {
      // a case's armed rule goes with the custom rules, so the case goes too
      await trx('case_runs').del();
      await trx('custom_rules').del();
      await trx('default_rule_state').del();
      await trx('partner_clocks').del();
      await trx('notifications').del();
      await trx('refunds').del();
      await trx('trades').del();
      await trx('request_log').del();
      await bumpChangeVersion(trx);
    });
  }

  async ping(timeoutMs: number): Promise<boolean> {
    if (this.closing) return false;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([this.knex.raw('select 1').then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Idempotent: a second call waits for the first. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.knex.destroy();
      } finally {
        await this.onClose();
      }
    })();
    return this.closing;
  }
}
