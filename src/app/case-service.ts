// Integration test cases for one partner: Start arms a one-shot rule, reading grades from the logs, a verdict stays.
import { randomBytes } from 'node:crypto';
import { parseAnswer } from '../core/answer-parse.ts';
import { CASES, countStates, getCase, gradeCase, type CaseCounts } from '../core/cases/catalogue.ts';
import type { CaseDefinition, CaseState, Evidence, LoggedNotification, LoggedRequest } from '../core/cases/types.ts';
import type { CaseRun, RequestLogEntry } from '../store/records.ts';
import type { Stores } from '../store/stores.ts';
import { SCENARIO_PRIORITY } from './admin-service.ts';
import type { OffsetClock } from './clock.ts';
import { timeOrderedId } from './ids.ts';
import type { PartnerCache } from './partner-cache.ts';
import type { RequestLogWriter } from './request-log-writer.ts';
import type { RuleService } from './rule-service.ts';

/** the highest priority a rule may have: an armed answer beats every other custom rule (ties: the newest wins) */
export const CASE_PRIORITY = SCENARIO_PRIORITY;
export const CASE_RULE_PREFIX = 'case-';
const PAGE = 500;
/** how much of a partner's log since the oldest waiting case is read at most */
const MAX_PAGES = 20;

export interface CaseView {
  definition: CaseDefinition;
  state: CaseState;
  /** on the partner's clock; null when not started */
  startedAt: Date | null;
  reason: string | null;
  evidence: Evidence[];
  ruleId: string | null;
}

export interface CaseReport extends CaseCounts {
  partner: string;
  items: CaseView[];
}

export type CaseResult<T> = { ok: true; value: T } | { ok: false; status: 404; errors: Record<string, string> };

function notStarted(definition: CaseDefinition): CaseView {
  return { definition, state: 'not_started', startedAt: null, reason: null, evidence: [], ruleId: null };
}

/** a log entry as grading reads it: the partner's clock, and the answer's fields when there was an XML answer */
function loggedRequest(entry: RequestLogEntry): LoggedRequest {
  let answer: Record<string, string> = {};
  if (entry.response?.startsWith('<')) {
    try {
      answer = parseAnswer(entry.response).fields;
    } catch {
      // a fault answered on purpose (empty, malformed): the client saw no fields either
    }
  }
  // the log's own fields, with the time on the partner's clock
  return { ...entry, at: entry.partnerAt, answer };
}

/** what CaseService works with: the rules it arms, the logs it grades from, the runs it keeps */
export interface CaseDeps {
  stores: Pick<Stores, 'caseRuns' | 'partners' | 'rules' | 'requestLog' | 'notifications'>;
  clock: OffsetClock;
  partners: PartnerCache;
  rules: RuleService;
  /** flushed before grading: what this instance answered must be in the log */
  requestLog: RequestLogWriter;
}

export class CaseService {
  constructor(private readonly deps: CaseDeps) {}

  private async known(partner: string): Promise<boolean> {
    return this.deps.partners.get(partner) !== undefined || (await this.deps.stores.partners.get(partner)) !== null;
  }

  private async check(partner: string, id?: string): Promise<{ ok: false; status: 404; errors: Record<string, string> } | null> {
    if (id !== undefined && !getCase(id)) return { ok: false, status: 404, errors: { id: `no test case ${id}` } };
    if (!(await this.known(partner))) return { ok: false, status: 404, errors: { partner: `no partner ${partner}` } };
    return null;
  }

  /** every case of the catalogue with its state for the partner, graded now */
  async list(partner: string): Promise<CaseResult<CaseView[]>> {
    const refused = await this.check(partner);
    if (refused) return refused;
    return { ok: true, value: await this.views(partner) };
  }

  async get(partner: string, id: string): Promise<CaseResult<CaseView>> {
    const refused = await this.check(partner, id);
    if (refused) return refused;
    return { ok: true, value: (await this.views(partner)).find((view) => view.definition.id === id)! };
  }

  async report(partner: string): Promise<CaseResult<CaseReport>> {
    const listed = await this.list(partner);
    if (!listed.ok) return listed;
    return { ok: true, value: { partner, ...countStates(listed.value.map((view) => view.state)), items: listed.value } };
  }

  /** (re)starts the case: its startedAt is now on the partner's clock, and its one-shot answer is armed */
  async start(partner: string, id: string): Promise<CaseResult<CaseView>> {
    const refused = await this.check(partner, id);
    if (refused) return refused;
    const definition = getCase(id)!;
    const startedAt = this.deps.clock.now(partner);
    // the clock the request log's `at` is written by: the mock's real time (which createMock({ now }) may fix)
    const startedRealAt = this.deps.clock.real();
    const startedAfterId = timeOrderedId();
    await this.removeRun(partner, id);
    let ruleId: string | null = null;
    if (definition.arms) {
      await this.disarmOthers(partner, definition);
      ruleId = `${CASE_RULE_PREFIX}${id}-${randomBytes(4).toString('hex')}`;
      const created = await this.deps.rules.create({
        id: ruleId,
        name: `case:${id} (partner ${partner}): ${definition.arms.description}`,
        service: definition.arms.service,
        partner,
        priority: CASE_PRIORITY,
        remainingUses: 1,
        when: [],
        then: definition.arms.then,
      });
      if (!created.ok) throw new Error(`the armed answer of ${id} was refused: ${JSON.stringify(created.errors)}`);
    }
    await this.deps.stores.caseRuns.save({ partner, caseId: id, startedAt, startedRealAt, startedAfterId, state: null, reason: null, evidence: null, ruleId });
    return this.get(partner, id);
  }

  /** back to not started, the armed answer removed */
  async reset(partner: string, id: string): Promise<CaseResult<CaseView>> {
    const refused = await this.check(partner, id);
    if (refused) return refused;
    await this.removeRun(partner, id);
    return { ok: true, value: notStarted(getCase(id)!) };
  }

  private async removeRun(partner: string, id: string): Promise<void> {
    const run = await this.deps.stores.caseRuns.delete(partner, id);
    if (run?.ruleId && this.deps.rules.get(run.ruleId)) await this.deps.rules.remove(run.ruleId);
  }

  /** a partner has at most one unfired armed answer per service: the case whose answer is replaced is not started any more */
  private async disarmOthers(partner: string, definition: CaseDefinition): Promise<void> {
    for (const run of await this.deps.stores.caseRuns.list(partner)) {
      if (run.caseId === definition.id || run.state !== null || !run.ruleId) continue;
      // the database's count: another instance may have fired it a moment ago
      const rule = await this.deps.stores.rules.getCustom(run.ruleId);
      if (rule && rule.service === definition.arms!.service && rule.remainingUses !== 0) await this.removeRun(partner, run.caseId);
    }
  }

  private async views(partner: string): Promise<CaseView[]> {
    const runs = new Map((await this.deps.stores.caseRuns.list(partner)).map((run) => [run.caseId, run]));
    const open = [...runs.values()].filter((run) => run.state === null && getCase(run.caseId));
    const traffic = open.length > 0 ? await this.traffic(partner, earliest(open)) : null;
    const now = this.deps.clock.now(partner);
    const views: CaseView[] = [];
    for (const definition of CASES) {
      const run = runs.get(definition.id);
      if (!run) {
        views.push(notStarted(definition));
        continue;
      }
      if (run.state !== null || !traffic) {
        views.push(this.view(definition, run, run.state ?? 'waiting', run.reason, run.evidence ?? []));
        continue;
      }
      const verdict = gradeCase(definition, { startedAt: run.startedAt, now, armedRuleId: run.ruleId, ...traffic });
      // a verdict is written once: another reader (or instance) may have written it first, and then that one stands
      const { state, reason, evidence } = verdict;
      if (state !== 'waiting' && !(await this.deps.stores.caseRuns.finish(run, { state, reason, evidence }))) {
        const stored = (await this.deps.stores.caseRuns.list(partner)).find((r) => r.caseId === definition.id);
        views.push(stored ? this.view(definition, stored, stored.state ?? 'waiting', stored.reason, stored.evidence ?? []) : notStarted(definition));
        continue;
      }
      views.push(this.view(definition, run, verdict.state, verdict.reason, verdict.evidence));
    }
    return views;
  }

  private view(definition: CaseDefinition, run: CaseRun, state: CaseState, reason: string | null, evidence: Evidence[]): CaseView {
    return { definition, state, startedAt: run.startedAt, reason, evidence, ruleId: run.ruleId };
  }

  /** the partner's requests and notifications strictly after `since` (in the log's order), as the stores have them */
  private async traffic(partner: string, since: Position): Promise<{ requests: LoggedRequest[]; notifications: LoggedNotification[] }> {
    // what this instance answered must be in the log first
    await this.deps.requestLog.flush();
    const entries: RequestLogEntry[] = [];
    for (let page = 0, before: string | undefined; page < MAX_PAGES; page++) {
      const batch = await this.deps.stores.requestLog.list({ partner, since, limit: PAGE, before });
      entries.push(...batch);
      if (batch.length < PAGE) break;
      before = batch[batch.length - 1]!.id;
    }
    const notifications = (await this.deps.stores.notifications.list({ partner, limit: PAGE }))
      .filter((n) => after({ at: n.createdAt, id: n.id }, since))
      .map((n): LoggedNotification => ({ id: n.id, at: n.partnerAt, partnerTransId: n.partnerTransId, event: n.event, firstAttempt: n.firstAttempt }));
    // the log answers newest first; grading reads oldest first
    return { requests: entries.reverse().map(loggedRequest), notifications: notifications.reverse() };
  }
}

/** a place in the request log's order (and the notifications'): a time and a time-ordered id */
type Position = { at: Date; id: string };

function after(a: Position, b: Position): boolean {
  return a.at.getTime() > b.at.getTime() || (a.at.getTime() === b.at.getTime() && a.id > b.id);
}

/** where the earliest of these runs started */
function earliest(runs: readonly CaseRun[]): Position {
  return runs.map((run) => ({ at: run.startedRealAt, id: run.startedAfterId })).reduce((a, b) => (after(a, b) ? b : a));
}
