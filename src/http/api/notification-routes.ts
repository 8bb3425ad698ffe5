// /api/notifications: the asynchronous notifications the gateway queued, and sending one again.
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../app/context.ts';
import { NOTIFICATION_STATUSES, type NotificationRecord } from '../../store/records.ts';
import { check, queryOf, sendErrors } from './json.ts';

const m = (error: string) => ({ error });
const MAX_LIMIT = 500;
const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_LIMIT}`;
const once = z.string(m('must be given once'));

const listQuery = z.object({
  partner: once.optional(),
  partner_trans_id: once.optional(),
  status: z.enum(NOTIFICATION_STATUSES, m(`must be one of ${NOTIFICATION_STATUSES.join(', ')}`)).optional(),
  limit: z
    .string(m(LIMIT_MESSAGE))
    .regex(/^\d{1,9}$/, m(LIMIT_MESSAGE))
    .transform(Number)
    .refine((n) => n >= 1 && n <= MAX_LIMIT, m(LIMIT_MESSAGE))
    .default(50),
});

export function notificationItem(n: NotificationRecord) {
  return {
    id: n.id,
    partner: n.partner,
    partner_trans_id: n.partnerTransId,
    event: n.event,
    url: n.url,
    charset: n.charset,
    params: n.params,
    status: n.status,
    attempts: n.attempts,
    next_at: n.status === 'pending' ? n.nextAt.toISOString() : null,
    last_status: n.lastStatus,
    last_body: n.lastBody,
    last_error: n.lastError,
    created_at: n.createdAt.toISOString(),
    delivered_at: n.deliveredAt?.toISOString() ?? null,
  };
}

export function notificationRouter(ctx: AppContext): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const query = check(listQuery, queryOf(req));
    if (!query.ok) return sendErrors(res, 400, query.errors);
    const { partner_trans_id: partnerTransId, ...rest } = query.data;
    // the database cannot hold NUL: such a filter matches nothing, and is not sent to it
    if ([rest.partner, partnerTransId].some((v) => v?.includes('\0'))) return res.json({ items: [] });
    const items = await ctx.admin.listNotifications({ ...rest, partnerTransId });
    res.json({ items: items.map(notificationItem) });
  });

  router.post('/:id/resend', async (req, res) => {
    const id = String(req.params.id);
    const found = id.includes('\0') ? null : await ctx.admin.resendNotification(id);
    if (!found) return sendErrors(res, 404, { id: `no notification ${id}` });
    res.json(notificationItem(found));
  });

  return router;
}
