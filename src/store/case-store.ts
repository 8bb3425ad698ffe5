import type { CaseRun } from './store.ts';
import { fromJson, toDate, type Db } from './rows.ts';

interface CaseRunRow {
  partner: string;
  case_id: string;
  started_at: Date | string;
  started_real_at: Date | string;
  state: string | null;
  reason: string | null;
  evidence: unknown;
  rule_id: string | null;
  started_after_id: string | null;
}

function fromRow(row: CaseRunRow): CaseRun {
  return {
    partner: row.partner,
    caseId: row.case_id,
    startedAt: toDate(row.started_at),
    startedRealAt: toDate(row.started_real_at),
    state: row.state === 'passed' || row.state === 'failed' ? row.state : null,
    reason: row.reason,
    evidence: row.evidence === null ? null : fromJson<CaseRun['evidence']>(row.evidence),
    ruleId: row.rule_id,
    startedAfterId: row.started_after_id ?? '',
  };
}

export async function listCaseRuns(db: Db, partner: string): Promise<CaseRun[]> {
  return ((await db<CaseRunRow>('case_runs').where('partner', partner)) as CaseRunRow[]).map(fromRow);
}

/** inserts or replaces the run of (partner, case) */
export async function saveCaseRun(db: Db, run: CaseRun): Promise<void> {
  await db('case_runs')
    .insert({
      partner: run.partner,
      case_id: run.caseId,
      started_at: run.startedAt,
      started_real_at: run.startedRealAt,
      state: run.state,
      reason: run.reason,
      evidence: run.evidence === null ? null : JSON.stringify(run.evidence),
      rule_id: run.ruleId,
      started_after_id: run.startedAfterId,
    })
    .onConflict(['partner', 'case_id'])
    .merge();
}

/**
 * Writes a verdict on the run that was graded: only while it is still waiting and still the same run (a Reset or a
 * new Start in between wins). False when nothing was written.
 */
export async function finishCaseRun(db: Db, run: CaseRun, verdict: Pick<CaseRun, 'state' | 'reason' | 'evidence'>): Promise<boolean> {
  const count = await db('case_runs')
    .where({ partner: run.partner, case_id: run.caseId, started_real_at: run.startedRealAt, started_after_id: run.startedAfterId })
    .whereNull('state')
    .update({ state: verdict.state, reason: verdict.reason, evidence: JSON.stringify(verdict.evidence ?? []) });
  return Number(count) > 0;
}

/** the run removed, or null when there was none */
export async function deleteCaseRun(db: Db, partner: string, caseId: string): Promise<CaseRun | null> {
  const rows = (await db('case_runs').where({ partner, case_id: caseId }).del().returning('*')) as CaseRunRow[];
  return rows[0] ? fromRow(rows[0]) : null;
}
