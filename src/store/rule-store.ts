import type { Knex } from 'knex';
import type { Rule, StoredRule } from '../core/rules/types.ts';
import { BUMP_CHANGE_VERSION, bumpChangeVersion } from './change-store.ts';
import type { Prepared, Tx } from './prepared.ts';
import { RuleConflictError, type DefaultRuleState, type RuleHit } from './records.ts';
import { fromJson, toDate, toNumber, type Db } from './rows.ts';

interface CustomRuleRow {
  id: string;
  body: unknown;
  enabled: boolean;
  priority: number;
  remaining_uses: number | null;
  hits: number | string;
  last_hit_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

interface DefaultStateRow {
  id: string;
  enabled: boolean;
  hits: number | string;
  last_hit_at: Date | string | null;
}

// 6 bind parameters a row: far under Postgres' 65,535 per statement.
const CHUNK = 1000;

function iso(value: Date | string | null): string | null {
  return value === null ? null : toDate(value).toISOString();
}

function ruleFromRow(row: CustomRuleRow): StoredRule {
  return {
    ...fromJson<Rule>(row.body),
    id: row.id,
    source: 'custom',
    enabled: row.enabled,
    priority: row.priority,
    remainingUses: row.remaining_uses,
    hits: toNumber(row.hits),
    lastHitAt: iso(row.last_hit_at),
    createdAt: toDate(row.created_at).toISOString(),
    updatedAt: toDate(row.updated_at).toISOString(),
  };
}

// A StoredRule passed as a Rule (get, change, replace) must not freeze its counters into the body.
const STORE_OWNED = new Set(['source', 'hits', 'lastHitAt', 'createdAt', 'updatedAt']);

/** The columns a rule's author controls; hits and times are the store's. */
function ruleToRow(db: Db, rule: Rule) {
  const body = Object.fromEntries(Object.entries(rule).filter(([key]) => !STORE_OWNED.has(key)));
  return {
    id: rule.id,
    // Stringified: pg would send a JS array inside as a Postgres array, not JSON.
    body: JSON.stringify(body),
    enabled: rule.enabled,
    priority: rule.priority,
    remaining_uses: rule.remainingUses,
    updated_at: db.fn.now(),
  };
}

const RULE_COLUMNS = ['body', 'enabled', 'priority', 'remaining_uses', 'updated_at'] as const;

/** Custom rules, the state of the default rules, and the rules' hits. Every change but a hit bumps the change version in its transaction. */
export class RuleStore {
  constructor(private readonly db: Knex) {}

  /** custom rules, oldest first; times as ISO strings */
  async listCustom(): Promise<StoredRule[]> {
    const rows = (await this.db<CustomRuleRow>('custom_rules')
      .select('*')
      .orderBy([
        { column: 'created_at', order: 'asc' },
        { column: 'id', order: 'asc' },
      ])) as CustomRuleRow[];
    return rows.map(ruleFromRow);
  }

  async getCustom(id: string): Promise<StoredRule | null> {
    const row = await this.db<CustomRuleRow>('custom_rules').select('*').where({ id }).first();
    return row ? ruleFromRow(row as CustomRuleRow) : null;
  }

  /** throws RuleConflictError when the id exists; the insert and the version bump go together */
  insertCustom(rule: Rule): Promise<StoredRule> {
    return this.db.transaction(async (trx) => {
      // do nothing rather than catching 23505: a unique violation would abort the caller's transaction.
      const rows = (await trx('custom_rules')
        .insert({ ...ruleToRow(trx, rule), created_at: trx.fn.now() })
        .onConflict('id')
        .ignore()
        .returning('*')) as CustomRuleRow[];
      const row = rows[0];
      if (!row) throw new RuleConflictError(rule.id);
      await bumpChangeVersion(trx);
      return ruleFromRow(row);
    });
  }

  /** null when absent; keeps createdAt, hits and lastHitAt */
  replaceCustom(rule: Rule): Promise<StoredRule | null> {
    return this.db.transaction(async (trx) => {
      const { id, ...changes } = ruleToRow(trx, rule);
      const rows = (await trx('custom_rules').where({ id }).update(changes).returning('*')) as CustomRuleRow[];
      const row = rows[0];
      if (!row) return null;
      await bumpChangeVersion(trx);
      return ruleFromRow(row);
    });
  }

  deleteCustom(id: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const rows = (await trx('custom_rules').where({ id }).del().returning('id')) as unknown[];
      if (rows.length === 0) return false;
      await bumpChangeVersion(trx);
      return true;
    });
  }

  /**
   * One transaction. merge: insert or replace by id (hits kept); replace: every custom rule deleted first.
   * Answers the imported rules as stored, in the order given (an id given twice: the last one wins).
   */
  importCustom(rules: Rule[], mode: 'merge' | 'replace'): Promise<StoredRule[]> {
    return this.db.transaction(async (trx) => {
      if (mode === 'replace') await trx('custom_rules').del();
      // One row per id (an upsert may not touch a row twice), written in id order so that concurrent writers
      // lock rows in the same order.
      const byId = new Map<string, Rule>();
      for (const rule of rules) byId.set(rule.id, rule);
      const sorted = [...byId.values()].sort((a, b) => compare(a.id, b.id));
      const stored = new Map<string, StoredRule>();
      for (let i = 0; i < sorted.length; i += CHUNK) {
        const rows = (await trx('custom_rules')
          .insert(sorted.slice(i, i + CHUNK).map((rule) => ({ ...ruleToRow(trx, rule), created_at: trx.fn.now() })))
          .onConflict('id')
          .merge([...RULE_COLUMNS])
          .returning('*')) as CustomRuleRow[];
        for (const row of rows) stored.set(row.id, ruleFromRow(row));
      }
      await bumpChangeVersion(trx);
      return [...byId.keys()].map((id) => stored.get(id) as StoredRule);
    });
  }

  /** default rules that were switched or hit; absent: enabled, never hit */
  async listDefaultState(): Promise<Map<string, DefaultRuleState>> {
    const rows = (await this.db<DefaultStateRow>('default_rule_state').select('*').orderBy('id')) as DefaultStateRow[];
    return new Map(
      rows.map((row) => [row.id, { enabled: row.enabled, hits: toNumber(row.hits), lastHitAt: iso(row.last_hit_at) }]),
    );
  }

  setDefaultEnabled(id: string, enabled: boolean): Promise<void> {
    return this.db.transaction(async (trx) => {
      await trx('default_rule_state').insert({ id, enabled }).onConflict('id').merge(['enabled']);
      await bumpChangeVersion(trx);
    });
  }

  /** adds the counts, in one transaction; no version bump: hits change all the time and reload nothing */
  async recordHits(hits: RuleHit[]): Promise<void> {
    if (hits.length === 0) return;
    await this.db.transaction(async (trx) => {
      const custom = sumHits(hits.filter((h) => h.source === 'custom'));
      const defaults = sumHits(hits.filter((h) => h.source === 'default'));
      if (custom.length > 0) {
        // Lock in id order first: instances flushing hits of the same rules at once must not deadlock.
        await trx('custom_rules')
          .select('id')
          .whereIn('id', custom.map((h) => h.id))
          .orderByRaw('id collate "C"')
          .forUpdate();
        const values = custom.map(() => '(?::text, ?::integer, ?::timestamptz)').join(', ');
        await trx.raw(
          `update custom_rules as c
              set hits = c.hits + v.count, last_hit_at = greatest(c.last_hit_at, v.last_hit_at)
             from (values ${values}) as v (id, count, last_hit_at)
            where c.id = v.id`,
          custom.flatMap((h) => [h.id, h.count, h.lastHitAt]),
        );
      }
      if (defaults.length > 0) {
        await trx.raw(
          `insert into default_rule_state (id, enabled, hits, last_hit_at)
           values ${defaults.map(() => '(?, true, ?, ?)').join(', ')}
           on conflict (id) do update
              set hits = default_rule_state.hits + excluded.hits,
                  last_hit_at = greatest(default_rule_state.last_hit_at, excluded.last_hit_at)`,
          defaults.flatMap((h) => [h.id, h.count, h.lastHitAt]),
        );
      }
    });
  }
}

/** One entry per id, sorted by id (code point order, as `collate "C"`). */
function sumHits(hits: RuleHit[]): RuleHit[] {
  const byId = new Map<string, RuleHit>();
  for (const hit of hits) {
    const seen = byId.get(hit.id);
    byId.set(
      hit.id,
      seen
        ? {
            ...seen,
            count: seen.count + hit.count,
            lastHitAt: hit.lastHitAt > seen.lastHitAt ? hit.lastHitAt : seen.lastHitAt,
          }
        : { ...hit },
    );
  }
  return [...byId.values()].sort((a, b) => compare(a.id, b.id));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const TAKE_RULE_USE: Prepared = {
  name: 'mapi_take_rule_use',
  text: 'update custom_rules set remaining_uses = remaining_uses - 1 where id = $1 and remaining_uses > 0 returning remaining_uses',
};
const RULE_USES: Prepared = { name: 'mapi_rule_uses', text: 'select remaining_uses from custom_rules where id = $1' };

/** TradeTx.takeRuleUse: call inside the trade's transaction (prepared.ts). */
export async function takeRuleUse(tx: Tx, ruleId: string): Promise<boolean> {
  // The row lock makes concurrent takers queue; each re-reads remaining_uses after the one before commits.
  const [left] = await tx.run<{ remaining_uses: number }>(TAKE_RULE_USE, [ruleId]);
  if (left) {
    if (left.remaining_uses === 0) await tx.run(BUMP_CHANGE_VERSION, []);
    return true;
  }
  const [row] = await tx.run<{ remaining_uses: number | null }>(RULE_USES, [ruleId]);
  return row !== undefined && row.remaining_uses === null;
}
