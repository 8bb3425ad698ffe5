// /api/scenarios, /api/reset, /api/partners and /api/clock.
import { Router } from 'express';
import { z } from 'zod';
import type { AdminService } from '../../app/admin-service.ts';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE, PARTNER_KEY_PATTERN, PARTNER_KEY_RULE } from '../../core/types.ts';
import { check, type Checked, type Errors, objectBody, sendErrors } from './json.ts';
import { ruleItem } from './present.ts';

const m = (error: string) => ({ error });

/** ten years: more than any test needs, and far from what a Date can hold */
const MAX_ADVANCE_SECONDS = 10 * 365 * 24 * 3600;
const ADVANCE_MESSAGE = `must be a whole number of seconds from 1 to ${MAX_ADVANCE_SECONDS}`;
const KEY_MESSAGE = `must be ${PARTNER_KEY_RULE}, or absent to generate one`;

const partnerBody = z.object({
  id: z.string(m(`is required: ${PARTNER_ID_RULE}`)).regex(PARTNER_ID_PATTERN, m(`must be ${PARTNER_ID_RULE}`)),
  key: z.string(m(KEY_MESSAGE)).regex(PARTNER_KEY_PATTERN, m(KEY_MESSAGE)).nullish(),
});

export function adminRouter(admin: AdminService): Router {
  const router = Router();

  router.post('/scenarios', async (req, res) => {
    const body = objectBody(req);
    if (!body.ok) return sendErrors(res, 400, body.errors);
    const result = await admin.createScenario(body.data);
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    res.status(201).json(ruleItem(result.rule));
  });

  router.get('/scenarios', (_req, res) => {
    res.json({ items: admin.listScenarios().map(({ rule, secondsLeft }) => ({ ...ruleItem(rule), secondsLeft })) });
  });

  router.post('/reset', async (_req, res) => {
    await admin.reset();
    res.json({ ok: true });
  });

  router.get('/partners', (_req, res) => {
    res.json({ items: admin.listPartners().map(({ id, key, notifyUrl }) => ({ id, key, notifyUrl: notifyUrl ?? null })) });
  });

  router.post('/partners', async (req, res) => {
    const body = objectBody(req);
    if (!body.ok) return sendErrors(res, 400, body.errors);
    const checked = check(partnerBody, body.data);
    if (!checked.ok) return sendErrors(res, 400, checked.errors);
    const { partner, created } = await admin.savePartner(checked.data.id, checked.data.key ?? null);
    res.status(created ? 201 : 200).json({ id: partner.id, key: partner.key });
  });

  router.post('/clock', async (req, res) => {
    const body = objectBody(req);
    if (!body.ok) return sendErrors(res, 400, body.errors);
    const checked = clockRequest(body.data);
    if (!checked.ok) return sendErrors(res, 400, checked.errors);
    const { partner, advanceSeconds } = checked.data;
    const result = await admin.moveClock(partner, advanceSeconds);
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    res.json({ partner, now: result.now.toISOString() });
  });

  return router;
}

/** `{ partner, advanceSeconds }` moves the clock forward; `{ partner, reset: true }` (advanceSeconds null) returns it */
function clockRequest(body: Record<string, unknown>): Checked<{ partner: string; advanceSeconds: number | null }> {
  const errors: Errors = {};
  const { partner, reset, advanceSeconds } = body;
  if (typeof partner !== 'string' || partner === '') errors.partner = 'is required: a partner id';
  if (reset === true) {
    if (advanceSeconds !== undefined) errors.advanceSeconds = 'cannot be given with reset';
  } else if (reset !== undefined && reset !== false) {
    errors.reset = 'must be true to return to real time';
  } else if (typeof advanceSeconds !== 'number' || !Number.isInteger(advanceSeconds) || advanceSeconds < 1 || advanceSeconds > MAX_ADVANCE_SECONDS) {
    errors.advanceSeconds = ADVANCE_MESSAGE;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, data: { partner: partner as string, advanceSeconds: reset === true ? null : (advanceSeconds as number) } };
}
