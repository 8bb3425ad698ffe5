// Which rules answer a request, best first, without scanning them all: rules are bucketed by (service, partner)
// and, when they have an eq / in condition in `when`, by that condition's value, so a request looks up its own value;
// else, when they have a prefix condition (or a regex that starts with a fixed text, `^Tea 12...`), by that prefix.
// A rule with none of these in `when` (its only ones may sit in `whenAny` groups) is scanned; its regexes run last.
import { compileCondition, equalityKey, readParam, type ConditionTest } from './conditions.ts';
import { literalPrefix } from './regex-prefix.ts';
import type { Condition, DormantReason, FailedCondition, MatchInput, NearMiss, StoredRule } from './types.ts';

interface Compiled {
  condition: Condition;
  test: ConditionTest;
}

interface Entry {
  rule: StoredRule;
  /** position in precedence order: lower answers first */
  rank: number;
  /** activeUntil in ms; Infinity for none */
  until: number;
  conditions: Compiled[];
  /** the same, cheapest first (regexes last): the order they are tried in when matching */
  tryOrder: Compiled[];
  /** the whenAny groups; empty: none */
  groups: Compiled[][];
}

interface Bucket {
  /** every rule of the scope, disabled ones too (explain names them) */
  all: Entry[];
  /** rules without an indexable condition: checked for every request of their scope */
  scan: Entry[];
  /** param → equality key → rules with an eq / in condition on param for that value */
  keyed: Map<string, Map<string, Entry[]>>;
  /** param → the rules that need the value to start with a given text */
  prefixed: Map<string, PrefixFile>;
}

interface PrefixFile {
  /** the lengths of the prefixes filed: a value is looked up by its first n characters for each */
  lengths: number[];
  byPrefix: Map<string, Entry[]>;
}

const NEAR_MISS_LIMIT = 10;

function timeOf(value: string): number {
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  return Number.isNaN(ms) ? 0 : ms;
}

/** custom before default, then higher priority, then newest, then id for a stable order */
export function comparePrecedence(a: StoredRule, b: StoredRule, times?: ReadonlyMap<StoredRule, number>): number {
  if (a.source !== b.source) return a.source === 'custom' ? -1 : 1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  const age = (times?.get(b) ?? timeOf(b.createdAt)) - (times?.get(a) ?? timeOf(a.createdAt));
  if (age !== 0) return age;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** the condition a rule is filed under: the first eq, else the first in */
function indexCondition(rule: StoredRule): Condition | undefined {
  return rule.when.find((c) => c.op === 'eq') ?? rule.when.find((c) => c.op === 'in');
}

/** else the text the value must start with: the first prefix condition's, else a regex's fixed start */
function indexPrefix(rule: StoredRule): { param: string; prefix: string } | undefined {
  const prefix = rule.when.find((c) => c.op === 'prefix' && typeof c.value === 'string');
  if (prefix) return { param: prefix.param, prefix: prefix.value as string };
  for (const c of rule.when) {
    const fixed = c.op === 'regex' && typeof c.value === 'string' ? literalPrefix(c.value) : null;
    if (fixed) return { param: c.param, prefix: fixed };
  }
  return undefined;
}

function keysOf(condition: Condition): string[] {
  const values = Array.isArray(condition.value) ? condition.value : [condition.value ?? ''];
  return [...new Set(values.map(equalityKey))];
}

function newBucket(): Bucket {
  return { all: [], scan: [], keyed: new Map(), prefixed: new Map() };
}

export class RuleIndex {
  private readonly scopes = new Map<string, Map<string | null, Bucket>>();

  constructor(rules: readonly StoredRule[]) {
    // creation times parsed once, not in every comparison
    const times = new Map(rules.map((rule) => [rule, timeOf(rule.createdAt)]));
    const ordered = [...rules].sort((a, b) => comparePrecedence(a, b, times));
    ordered.forEach((rule, rank) => {
      const entry: Entry = {
        rule,
        rank,
        until: rule.activeUntil === null ? Infinity : timeOf(rule.activeUntil),
        conditions: compileAll(rule.when),
        tryOrder: [],
        groups: (rule.whenAny ?? []).filter((group) => group.length > 0).map(compileAll),
      };
      const bucket = this.bucket(rule.service, rule.partner);
      bucket.all.push(entry);
      // a disabled rule never answers: only explain sees it
      if (!rule.enabled) return;
      entry.tryOrder = [...entry.conditions].sort((a, b) => cost(a.condition) - cost(b.condition));
      const on = indexCondition(rule);
      if (!on) {
        const start = indexPrefix(rule);
        if (start) filePrefix(bucket, start.param, start.prefix, entry);
        else bucket.scan.push(entry);
        return;
      }
      let byKey = bucket.keyed.get(on.param);
      if (!byKey) bucket.keyed.set(on.param, (byKey = new Map()));
      for (const key of keysOf(on)) {
        const list = byKey.get(key);
        if (list) list.push(entry);
        else byKey.set(key, [entry]);
      }
    });
  }

  /** every rule that answers this request, best first; the caller takes the first whose use it can claim */
  candidates(input: MatchInput): StoredRule[] {
    const found: Entry[] = [];
    const now = input.now.getTime();
    for (const bucket of this.bucketsFor(input)) {
      for (const [param, byKey] of bucket.keyed) {
        const actual = readParam(param, input);
        // an eq / in condition never holds on an absent value
        if (actual === null || actual === '') continue;
        const entries = byKey.get(equalityKey(actual));
        if (entries) for (const entry of entries) if (this.answers(entry, input, now)) found.push(entry);
      }
      for (const [param, file] of bucket.prefixed) {
        const actual = readParam(param, input);
        // a prefix or regex condition never holds on an absent value
        if (actual === null || actual === '') continue;
        for (const length of file.lengths) {
          if (length > actual.length) break;
          const entries = file.byPrefix.get(actual.slice(0, length));
          if (entries) for (const entry of entries) if (this.answers(entry, input, now)) found.push(entry);
        }
      }
      for (const entry of bucket.scan) if (this.answers(entry, input, now)) found.push(entry);
    }
    return found.sort((a, b) => a.rank - b.rank).map((entry) => entry.rule);
  }

  /**
   * The rule that would answer, and the near misses of the request's scope, closest first: live rules that failed
   * some condition, and rules that held on every condition but are expired, used up or disabled (with the reason).
   */
  explain(input: MatchInput): { rule: StoredRule | null; nearMisses: NearMiss[] } {
    const now = input.now.getTime();
    let best: Entry | null = null;
    const misses: Array<{ entry: Entry; failed: FailedCondition[]; reason?: DormantReason }> = [];
    for (const bucket of this.bucketsFor(input)) {
      for (const entry of bucket.all) {
        const failed = failedConditions(entry, input);
        const reason = dormantReason(entry, now);
        if (failed.length === 0 && reason) misses.push({ entry, failed, reason });
        else if (reason) continue;
        else if (failed.length > 0) misses.push({ entry, failed });
        else if (!best || entry.rank < best.rank) best = entry;
      }
    }
    misses.sort((a, b) => a.failed.length - b.failed.length || a.entry.rank - b.entry.rank);
    return {
      rule: best?.rule ?? null,
      nearMisses: misses
        .slice(0, NEAR_MISS_LIMIT)
        .map(({ entry, failed, reason }) => (reason ? { rule: entry.rule, failed, reason } : { rule: entry.rule, failed })),
    };
  }

  private answers(entry: Entry, input: MatchInput, now: number): boolean {
    if (!live(entry, now)) return false;
    return holds(entry.tryOrder, input) && (entry.groups.length === 0 || entry.groups.some((group) => holds(group, input)));
  }

  private bucket(service: string, partner: string | null): Bucket {
    let byPartner = this.scopes.get(service);
    if (!byPartner) this.scopes.set(service, (byPartner = new Map()));
    let bucket = byPartner.get(partner);
    if (!bucket) byPartner.set(partner, (bucket = newBucket()));
    return bucket;
  }

  /** the buckets whose rules may answer: this service or "*", this partner or every partner */
  private bucketsFor(input: MatchInput): Bucket[] {
    const buckets: Bucket[] = [];
    for (const service of [input.service, '*']) {
      const byPartner = this.scopes.get(service);
      if (!byPartner) continue;
      const own = byPartner.get(input.partner);
      const every = byPartner.get(null);
      if (own) buckets.push(own);
      if (every) buckets.push(every);
    }
    return buckets;
  }
}

function filePrefix(bucket: Bucket, param: string, prefix: string, entry: Entry): void {
  let file = bucket.prefixed.get(param);
  if (!file) bucket.prefixed.set(param, (file = { lengths: [], byPrefix: new Map() }));
  if (!file.lengths.includes(prefix.length)) file.lengths = [...file.lengths, prefix.length].sort((a, b) => a - b);
  const list = file.byPrefix.get(prefix);
  if (list) list.push(entry);
  else file.byPrefix.set(prefix, [entry]);
}

/** regexes run in re2js, far slower than a comparison: they are tried after every other condition of a rule */
function cost(condition: Condition): number {
  return condition.op === 'regex' ? 1 : 0;
}

function compileAll(conditions: readonly Condition[]): Compiled[] {
  return conditions.map((condition) => ({ condition, test: compileCondition(condition) }));
}

function holds(conditions: readonly Compiled[], input: MatchInput): boolean {
  for (const { test } of conditions) if (!test(input)) return false;
  return true;
}

function failing(conditions: readonly Compiled[], input: MatchInput): FailedCondition[] {
  return conditions
    .filter(({ test }) => !test(input))
    .map(({ condition: { param, op, value } }) => ({ param, op, value, actual: readParam(param, input) }));
}

/** the failed conditions of `when`, and of the whenAny group that came closest (the first among equals) */
function failedConditions(entry: Entry, input: MatchInput): FailedCondition[] {
  const failed = failing(entry.conditions, input);
  let closest: FailedCondition[] | null = null;
  for (const group of entry.groups) {
    const missed = failing(group, input);
    if (closest === null || missed.length < closest.length) closest = missed;
    if (missed.length === 0) break;
  }
  return closest ? [...failed, ...closest] : failed;
}

/** why a rule cannot answer whatever the request, or null when it can */
function dormantReason(entry: Entry, now: number): DormantReason | null {
  if (!entry.rule.enabled) return 'disabled';
  if (entry.until <= now) return 'expired';
  const uses = entry.rule.remainingUses;
  return uses !== null && uses <= 0 ? 'used_up' : null;
}

/** in its window with uses left; only enabled rules are filed for candidates */
function live(entry: Entry, now: number): boolean {
  return dormantReason(entry, now) === null;
}
