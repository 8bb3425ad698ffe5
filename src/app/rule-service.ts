import { randomBytes } from 'node:crypto';
import { RuleIndex } from '../core/rules/match.ts';
import { type Errors, parseRule, ruleToJson } from '../core/rules/schema.ts';
import type { MatchInput, NearMiss, Rule, StoredRule } from '../core/rules/types.ts';
import { RuleConflictError, type RuleHit } from '../store/records.ts';
import type { RuleStore } from '../store/rule-store.ts';

const DEFAULT_CREATED_AT = new Date(0).toISOString();

export type RuleResult = { ok: true; rule: StoredRule } | { ok: false; status: 400 | 404 | 409; errors: Errors };

function newRuleId(): string {
  return `rule-${randomBytes(5).toString('hex')}`;
}

/**
 * The rules in force: the defaults from rules/ and the custom rules from the database, held in memory and
 * indexed so that the gateway never reads them per request. `reload()` rebuilds from the database; every
 * change made here reloads at once, changes made by other instances arrive through the change version.
 */
/** which rules `list` returns; every field left out matches all */
export interface RuleListFilter {
  /** a service name, or `*` for the rules of every service */
  service?: string;
  partner?: string | null;
  source?: 'default' | 'custom';
  enabled?: boolean;
}

export class RuleService {
  private index = new RuleIndex([]);
  private rules: StoredRule[] = [];
  private pendingHits = new Map<string, RuleHit>();
  private hitWrites: Promise<void> = Promise.resolve();
  private queuedWrite: Promise<void> | null = null;

  constructor(
    private readonly store: RuleStore,
    private readonly defaults: readonly Rule[],
    private readonly now: (partner?: string | null) => Date,
    /**
     * What to do after this service changed rules in the database. The context passes its ChangeSync refresh,
     * so that the poller does not rebuild the index a second time for the version bump this change made.
     */
    private readonly afterChange: () => Promise<void> = () => this.reload(),
    /** told every hit as it is recorded (the metrics count them) */
    private readonly onHit: (rule: StoredRule) => void = () => {},
  ) {}

  async reload(): Promise<void> {
    const [custom, state] = await Promise.all([this.store.listCustom(), this.store.listDefaultState()]);
    const defaults: StoredRule[] = this.defaults.map((rule) => {
      const s = state.get(rule.id);
      return {
        ...rule,
        enabled: s?.enabled ?? rule.enabled,
        source: 'default',
        createdAt: DEFAULT_CREATED_AT,
        updatedAt: DEFAULT_CREATED_AT,
        hits: s?.hits ?? 0,
        lastHitAt: s?.lastHitAt ?? null,
      };
    });
    this.rules = [...custom, ...defaults];
    this.index = new RuleIndex(this.rules);
  }

  /** every rule (or those the filter names), custom first, then defaults; newest first within each */
  list(filter: RuleListFilter = {}): StoredRule[] {
    return this.rules
      .filter(
        (rule) =>
          (filter.service === undefined || rule.service === filter.service) &&
          (filter.partner === undefined || rule.partner === filter.partner) &&
          (filter.source === undefined || rule.source === filter.source) &&
          (filter.enabled === undefined || rule.enabled === filter.enabled),
      )
      .sort((a, b) =>
        a.source !== b.source ? (a.source === 'custom' ? -1 : 1) : b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id),
      );
  }

  get(id: string): StoredRule | undefined {
    return this.rules.find((rule) => rule.id === id);
  }

  candidates(input: MatchInput): StoredRule[] {
    return this.index.candidates(input);
  }

  explain(input: MatchInput): { rule: StoredRule | null; nearMisses: NearMiss[] } {
    return this.index.explain(input);
  }

  /** counted in memory, written by flushHits() */
  recordHit(rule: StoredRule, at: Date): void {
    this.onHit(rule);
    this.addPending({ id: rule.id, source: rule.source, count: 1, lastHitAt: at });
    rule.hits += 1;
    rule.lastHitAt = at.toISOString();
    // the database took the use already; the copy in memory follows at once, so that explain and the pages say
    // "no uses left" before the reload that the change version brings
    if (rule.source === 'custom' && rule.remainingUses !== null) rule.remainingUses = Math.max(0, rule.remainingUses - 1);
  }

  /**
   * Writes the hits counted so far. Writes go one after the other, so that a flush also waits for the write the
   * timer started just before it (a caller reloading after flushHits() reads its hits). Hits a failed write did
   * not store go back to be written by the next flush: the counts survive a database outage.
   */
  flushHits(): Promise<void> {
    // One write at a time and at most one waiting: the waiting one takes whatever is pending when it starts, so that
    // every caller until then shares it (the 1 s timer must not pile writes up behind one stuck on an absent database).
    if (this.queuedWrite) return this.queuedWrite;
    const write = this.hitWrites.then(() => {
      this.queuedWrite = null;
      return this.writeHits();
    });
    this.queuedWrite = write;
    this.hitWrites = write.catch(() => {});
    return write;
  }

  private async writeHits(): Promise<void> {
    if (this.pendingHits.size === 0) return;
    const hits = [...this.pendingHits.values()];
    this.pendingHits = new Map();
    try {
      await this.store.recordHits(hits);
    } catch (error) {
      for (const hit of hits) this.addPending(hit);
      throw error;
    }
  }

  /** adds a rule's hits to those waiting to be written: one entry a rule, its counts summed, its latest time */
  private addPending(hit: RuleHit): void {
    const pending = this.pendingHits.get(hit.id);
    if (!pending) this.pendingHits.set(hit.id, hit);
    else {
      pending.count += hit.count;
      if (hit.lastHitAt > pending.lastHitAt) pending.lastHitAt = hit.lastHitAt;
    }
  }

  private parse(input: unknown, partialOf?: Rule): { ok: true; rule: Rule } | { ok: false; errors: Errors } {
    const partner = typeof input === 'object' && input !== null ? (input as { partner?: unknown }).partner : undefined;
    return parseRule(input, {
      now: this.now(typeof partner === 'string' ? partner : (partialOf?.partner ?? null)),
      newId: newRuleId,
      partialOf,
    });
  }

  async create(input: unknown): Promise<RuleResult> {
    const parsed = this.parse(input);
    if (!parsed.ok) return { ok: false, status: 400, errors: parsed.errors };
    if (this.defaults.some((rule) => rule.id === parsed.rule.id)) {
      return { ok: false, status: 409, errors: { id: `${parsed.rule.id} is a default rule's id` } };
    }
    try {
      const stored = await this.store.insertCustom(parsed.rule);
      await this.afterChange();
      return { ok: true, rule: stored };
    } catch (error) {
      if (error instanceof RuleConflictError) return { ok: false, status: 409, errors: { id: `a rule with id ${parsed.rule.id} exists` } };
      throw error;
    }
  }

  /** PUT (the whole rule) or PATCH (the top-level fields given). Defaults only take `enabled`. */
  async update(id: string, input: unknown, mode: 'replace' | 'patch'): Promise<RuleResult> {
    const current = this.get(id);
    if (!current) return { ok: false, status: 404, errors: { id: `no rule ${id}` } };
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return { ok: false, status: 400, errors: { '': 'a JSON object is expected' } };
    }
    if (current.source === 'default') {
      const keys = Object.keys(input).filter((key) => key !== 'id');
      const enabled = (input as { enabled?: unknown }).enabled;
      if (mode !== 'patch' || keys.length !== 1 || keys[0] !== 'enabled' || typeof enabled !== 'boolean') {
        return { ok: false, status: 400, errors: { id: 'a default rule can only be switched on or off (PATCH {"enabled": …}); clone it to change it' } };
      }
      return this.setEnabled(id, enabled);
    }
    const body = { ...(input as object), id };
    const parsed = mode === 'patch' ? this.parse(body, ruleToJson(current)) : this.parse(body);
    if (!parsed.ok) return { ok: false, status: 400, errors: parsed.errors };
    const stored = await this.store.replaceCustom(parsed.rule);
    await this.afterChange();
    return stored ? { ok: true, rule: stored } : { ok: false, status: 404, errors: { id: `no rule ${id}` } };
  }

  async setEnabled(id: string, enabled: boolean): Promise<RuleResult> {
    const current = this.get(id);
    if (!current) return { ok: false, status: 404, errors: { id: `no rule ${id}` } };
    if (current.source === 'default') await this.store.setDefaultEnabled(id, enabled);
    else await this.store.replaceCustom({ ...ruleToJson(current), enabled });
    await this.afterChange();
    return { ok: true, rule: this.get(id)! };
  }

  async remove(id: string): Promise<RuleResult | { ok: true; rule: null }> {
    const current = this.get(id);
    if (!current) return { ok: false, status: 404, errors: { id: `no rule ${id}` } };
    if (current.source === 'default') {
      return { ok: false, status: 400, errors: { id: 'a default rule cannot be deleted; switch it off instead' } };
    }
    await this.store.deleteCustom(id);
    await this.afterChange();
    return { ok: true, rule: null };
  }

  /** the custom rules as JSON, ready for import elsewhere */
  exportRules(): Rule[] {
    return this.list().filter((rule) => rule.source === 'custom').map(ruleToJson);
  }

  /** validates every rule first: one bad rule refuses the whole import, with errors keyed `rules.N.field` */
  async importRules(input: unknown, mode: 'merge' | 'replace'): Promise<{ ok: true; rules: StoredRule[] } | { ok: false; errors: Errors }> {
    const list = Array.isArray(input) ? input : (input as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(list)) return { ok: false, errors: { rules: 'an array of rules is expected' } };
    const errors: Errors = {};
    const rules: Rule[] = [];
    list.forEach((item, i) => {
      const parsed = this.parse(item);
      if (!parsed.ok) for (const [key, message] of Object.entries(parsed.errors)) errors[`rules.${i}${key ? `.${key}` : ''}`] = message;
      else if (this.defaults.some((rule) => rule.id === parsed.rule.id)) errors[`rules.${i}.id`] = `${parsed.rule.id} is a default rule's id`;
      else rules.push(parsed.rule);
    });
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    const stored = await this.store.importCustom(rules, mode);
    await this.afterChange();
    return { ok: true, rules: stored };
  }
}
