// The notifications the gateway queued for merchants' notify_url: a filtered list, and sending one again.
import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { NOTIFICATION_STATUSES, type NotificationRecord, type NotificationStatus } from '../../store/records.ts';
import { notifiableUrl } from '../../app/notifier.ts';
import { page } from './pages-router.ts';
import { formatTime, one, storable, withQuery, zoneLabel } from './request-format.ts';
import { flash, renderPage } from './view.ts';

const LIST_LIMIT = 200;

const STATUS_CLASSES: Readonly<Record<NotificationStatus, string>> = {
  pending: 'warn',
  delivered: 'good',
  failed: 'bad',
};

/** what a row shows; also used by the trade page */
export function notificationView(n: NotificationRecord) {
  return {
    id: n.id,
    time: formatTime(n.createdAt),
    event: n.event,
    url: n.url,
    partner: n.partner,
    partnerTransId: n.partnerTransId,
    tradeHref: `/trades/${encodeURIComponent(n.partner)}/${encodeURIComponent(n.partnerTransId)}`,
    status: n.status,
    statusClass: STATUS_CLASSES[n.status] ?? '',
    attempts: n.attempts,
    next: n.status === 'pending' ? formatTime(n.nextAt) : '',
    delivered: formatTime(n.deliveredAt),
    lastStatus: n.lastStatus === null ? '' : String(n.lastStatus),
    lastError: n.lastError ?? '',
    lastBody: n.lastBody ?? '',
    charset: n.charset,
    params: Object.entries(n.params).map(([name, value]) => `${name}=${value}`).join('\n'),
    resendAction: `/notifications/${encodeURIComponent(n.id)}/resend`,
    // a URL that can never be delivered is not offered again
    resendable: notifiableUrl(n.url),
  };
}

export function notificationsPages(ctx: AppContext): Router {
  const router = Router();

  router.get(
    '/notifications',
    page(async (req, res) => {
      const values = {
        partner: (one(req.query.partner) ?? '').trim(),
        partner_trans_id: (one(req.query.partner_trans_id) ?? '').trim(),
        status: (one(req.query.status) ?? '').trim(),
      };
      const errors: Record<string, string> = {};
      for (const [name, value] of Object.entries(values)) if (!storable(value)) errors[name] = 'cannot hold a NUL character';
      if (values.status && !(NOTIFICATION_STATUSES as readonly string[]).includes(values.status)) {
        errors.status = `must be one of ${NOTIFICATION_STATUSES.join(', ')}`;
      }
      const invalid = Object.keys(errors).length > 0;
      const items = invalid
        ? []
        : await ctx.admin.listNotifications({
            partner: values.partner || undefined,
            partnerTransId: values.partner_trans_id || undefined,
            status: (values.status || undefined) as NotificationStatus | undefined,
            limit: LIST_LIMIT,
          });
      renderPage(
        req,
        res,
        'notifications/list',
        {
          title: 'Notifications',
          values,
          errors,
          statuses: NOTIFICATION_STATUSES,
          items: items.map(notificationView),
          limited: items.length >= LIST_LIMIT ? LIST_LIMIT : null,
          searched: Object.values(values).some((value) => value !== ''),
          back: withQuery('/notifications', values),
          zone: zoneLabel(),
        },
        invalid ? 400 : 200,
      );
    }),
  );

  router.post(
    '/notifications/:id/resend',
    page(async (req, res) => {
      const id = String(req.params.id);
      const found = storable(id) ? await ctx.admin.resendNotification(id) : null;
      if (!found) {
        return renderPage(req, res, 'error', { title: 'Notification not found', message: `There is no notification ${id}.` }, 404);
      }
      flash(res, `The ${found.event} notification of ${found.partnerTransId} will be sent again now.`);
      const back = (req.body as Record<string, unknown> | undefined)?.back;
      // only a local path: the form's own field must not send the browser elsewhere
      res.redirect(303, typeof back === 'string' && /^\/(?![/\\])/.test(back) ? back : '/notifications');
    }),
  );

  return router;
}
