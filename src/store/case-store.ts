import type { Knex } from 'knex';
import type { CaseRun } from './records.ts';
import { fromJson, toDate } from './rows.ts';

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

/** The integration test cases started for each partner, and their verdicts. */
export class CaseRunStore {
  constructor(private readonly db: Knex) {}

  /** the partner's started cases */
  async list(partner: string): Promise<CaseRun[]> {
    return ((await this.db<CaseRunRow>('case_runs').where('partner', partner)) as CaseRunRow[]).map(fromRow);
  }

  /** inserts or replaces the run of (partner, case) */
  async save(run: CaseRun): Promise<void> {
    await this.db('case_runs')
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
  async finish(run: CaseRun, verdict: Pick<CaseRun, 'state' | 'reason' | 'evidence'>): Promise<boolean> {
    const count = await this.db('case_runs')
      .where({ partner: run.partner, case_id: run.caseId, started_real_at: run.startedRealAt, started_after_id: run.startedAfterId })
      .whereNull('state')
      .update({ state: verdict.state, reason: verdict.reason, evidence: JSON.stringify(verdict.evidence ?? []) });
    return Number(count) > 0;
  }

  /** the run removed, or null when there was none */
  async delete(partner: string, caseId: string): Promise<CaseRun | null> {
    const rows = (await this.db('case_runs').where({ partner, case_id: caseId }).del().returning('*')) as CaseRunRow[];
    return rows[0] ? fromRow(rows[0]) : null;
  }
}
