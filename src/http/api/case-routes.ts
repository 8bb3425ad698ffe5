// /api/cases: the integration test cases of a partner: list, report, start, reset.
import { type Response, Router } from 'express';
import { z } from 'zod';
import type { CaseReport, CaseResult, CaseService, CaseView } from '../../app/case-service.ts';
import { check, objectBody, queryOf, sendErrors } from './json.ts';

const partnerField = z.object({
  partner: z.string({ error: 'is required: a partner id' }).min(1, { error: 'is required: a partner id' }).max(64, { error: 'must be at most 64 characters' }),
});

export function caseItem(view: CaseView) {
  const { definition } = view;
  return {
    id: definition.id,
    title: definition.title,
    state: view.state,
    startedAt: view.startedAt?.toISOString() ?? null,
    reason: view.reason,
    evidence: view.evidence,
    steps: definition.steps,
    checks: definition.checks,
    armedAnswer: definition.arms?.description ?? null,
    ruleId: view.ruleId,
  };
}

export type CaseItem = ReturnType<typeof caseItem>;

export function caseReport(report: CaseReport) {
  const { partner, passed, failed, waiting, notStarted } = report;
  return { partner, passed, failed, waiting, notStarted, items: report.items.map(caseItem) };
}

export function caseRouter(cases: CaseService): Router {
  const router = Router();
  const answer = <T>(res: Response, result: CaseResult<T>, present: (value: T) => unknown) => {
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    res.json(present(result.value));
  };

  router.get('/', async (req, res) => {
    const query = check(partnerField, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    answer(res, await cases.list(query.data.partner), (views) => ({ items: views.map(caseItem) }));
  });

  router.get('/report', async (req, res) => {
    const query = check(partnerField, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    answer(res, await cases.report(query.data.partner), caseReport);
  });

  router.get('/:id', async (req, res) => {
    const query = check(partnerField, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    answer(res, await cases.get(query.data.partner, req.params.id), caseItem);
  });

  for (const action of ['start', 'reset'] as const) {
    router.post(`/:id/${action}`, async (req, res) => {
      const body = objectBody(req);
      if (!body.ok) return sendErrors(res, 400, body.errors);
      const checked = check(partnerField, body.data);
      if (!checked.ok) return sendErrors(res, 400, checked.errors);
      const id = req.params.id;
      answer(res, await (action === 'start' ? cases.start(checked.data.partner, id) : cases.reset(checked.data.partner, id)), caseItem);
    });
  }

  return router;
}
