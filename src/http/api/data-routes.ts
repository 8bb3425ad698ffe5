// /api/requests and /api/trades: what came in, and the trades it made.
import { Router } from 'express';
import { z } from 'zod';
import type { AdminService } from '../../app/admin-service.ts';
import { TRADE_STATES } from '../../core/types.ts';
import { check, queryOf, sendErrors } from './json.ts';
import { refundItem, requestItem, tradeItem } from './present.ts';

const m = (error: string) => ({ error });

const DEFAULT_LIMIT = 50;
/** what the store answers at most */
const MAX_LIMIT = 500;
const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_LIMIT}`;

const once = z.string(m('must be given once'));
const limit = z
  .string(m(LIMIT_MESSAGE))
  .regex(/^\d{1,9}$/, m(LIMIT_MESSAGE))
  .transform(Number)
  .refine((n) => n >= 1 && n <= MAX_LIMIT, m(LIMIT_MESSAGE))
  .default(DEFAULT_LIMIT);

const requestsQuery = z.object({
  service: once.optional(),
  partner: once.optional(),
  partner_trans_id: once.optional(),
  before: once.optional(),
  limit,
});

const tradesQuery = z.object({
  partner: once.optional(),
  partner_trans_id: once.optional(),
  state: z.enum(TRADE_STATES, m(`must be one of ${TRADE_STATES.join(', ')}`)).optional(),
  limit,
});

export function dataRouter(admin: AdminService): Router {
  const router = Router();

  router.get('/requests', async (req, res) => {
    const query = check(requestsQuery, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    const { partner_trans_id: partnerTransId, ...rest } = query.data;
    const entries = await admin.listRequests({ ...rest, partnerTransId });
    res.json({ items: entries.map(requestItem) });
  });

  router.get('/trades', async (req, res) => {
    const query = check(tradesQuery, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    const { partner_trans_id: partnerTransId, state, ...rest } = query.data;
    const trades = await admin.listTrades({ ...rest, partnerTransId, state });
    res.json({ items: trades.map(tradeItem) });
  });

  router.get('/trades/:partner/:partnerTransId', async (req, res) => {
    const { partner, partnerTransId } = req.params;
    const found = await admin.getTrade(partner, partnerTransId);
    if (!found) return sendErrors(res, 404, { id: `no trade ${partnerTransId} of partner ${partner}` });
    res.json({ ...tradeItem(found.trade), refunds: found.refunds.map(refundItem) });
  });

  return router;
}
