// The trades the gateway made: a filtered list, and one trade with its refunds and what happened to it.
import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { SERVICES, TRADE_STATES, type Refund, type Trade, type TradeState } from '../../core/types.ts';
import { notificationView } from './notifications-pages.ts';
import { page } from './pages-router.ts';
import { amountText, formatTime, idClass, one, stateClass, storable, withQuery, zoneLabel } from './request-format.ts';
import { renderPage } from './view.ts';

const LIST_LIMIT = 200;

const CLOSE_REASONS: Readonly<Record<string, string>> = {
  cancel: 'cancelled before it was paid',
  cancel_refund: 'cancelled after it was paid: refunded in full',
  refund: 'refunded in full',
  timeout: 'not paid in time: closed by the gateway',
};

function tradeHref(trade: Trade): string {
  return `/trades/${encodeURIComponent(trade.partner)}/${encodeURIComponent(trade.partnerTransId)}`;
}

function tradeItem(trade: Trade) {
  return {
    href: tradeHref(trade),
    partner: trade.partner,
    partnerTransId: trade.partnerTransId,
    idClass: idClass(trade.partnerTransId),
    alipayTransId: trade.alipayTransId,
    state: trade.state,
    stateClass: stateClass(trade.state),
    amount: amountText(trade.amount, trade.currency),
    refunded: amountText(trade.refunded, trade.currency),
    currency: trade.currency,
    transName: trade.transName,
    created: formatTime(trade.createdAt),
  };
}

interface TimelineEvent {
  at: Date;
  time: string;
  kind: 'created' | 'paid' | 'refund' | 'closed';
  title: string;
  detail: string;
}

/** What happened to the trade, oldest first: created, paid, each refund, closed (and why). */
function timeline(trade: Trade, refunds: Refund[]): TimelineEvent[] {
  const event = (at: Date, kind: TimelineEvent['kind'], title: string, detail: string): TimelineEvent => ({
    at,
    time: formatTime(at),
    kind,
    title,
    detail,
  });
  const amount = `${amountText(trade.amount, trade.currency)} ${trade.currency}`;
  const events = [event(trade.createdAt, 'created', 'Created', `pay of ${amount}${trade.pending ? ', answered UNKNOW (waiting for the buyer)' : ''}`)];
  if (trade.paidAt) events.push(event(trade.paidAt, 'paid', 'Paid', `${amount} by ${trade.buyerLoginId}`));
  for (const refund of refunds) {
    const reason = refund.reason ? ` · reason: ${refund.reason}` : '';
    events.push(event(refund.createdAt, 'refund', 'Refunded', `${amountText(refund.amount, refund.currency)} ${refund.currency} · ${refund.partnerRefundId}${reason}`));
  }
  if (trade.closedAt) {
    const reason = trade.closeReason ? (CLOSE_REASONS[trade.closeReason] ?? trade.closeReason) : 'closed';
    events.push(event(trade.closedAt, 'closed', 'Closed', reason));
  }
  // a stable sort: at equal times, the order above (created, paid, refunds, closed) stays
  return events.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export function tradesPages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;

  router.get(
    '/trades',
    page(async (req, res) => {
      const values = {
        partner: (one(req.query.partner) ?? '').trim(),
        partner_trans_id: (one(req.query.partner_trans_id) ?? '').trim(),
        state: (one(req.query.state) ?? '').trim(),
      };
      const errors: Record<string, string> = {};
      for (const [name, value] of Object.entries(values)) if (!storable(value)) errors[name] = 'cannot hold a NUL character';
      if (values.state && !(TRADE_STATES as readonly string[]).includes(values.state)) errors.state = `must be one of ${TRADE_STATES.join(', ')}`;
      const invalid = Object.keys(errors).length > 0;
      const trades = invalid
        ? []
        : await admin.listTrades({
            partner: values.partner || undefined,
            partnerTransId: values.partner_trans_id || undefined,
            state: (values.state || undefined) as TradeState | undefined,
            limit: LIST_LIMIT,
          });
      renderPage(
        req,
        res,
        'trades/list',
        {
          title: 'Trades',
          values,
          errors,
          states: TRADE_STATES,
          partners: admin.listPartners().map((partner) => partner.id),
          items: trades.map(tradeItem),
          limited: trades.length >= LIST_LIMIT ? LIST_LIMIT : null,
          searched: Object.values(values).some((value) => value !== ''),
          zone: zoneLabel(),
        },
        invalid ? 400 : 200,
      );
    }),
  );

  router.get(
    '/trades/:partner/:partnerTransId',
    page(async (req, res) => {
      const partner = String(req.params.partner);
      const partnerTransId = String(req.params.partnerTransId);
      const found = storable(partner) && storable(partnerTransId) ? await admin.getTrade(partner, partnerTransId) : null;
      if (!found) {
        return renderPage(req, res, 'error', { title: 'Trade not found', message: `Partner ${partner} has no trade ${partnerTransId}.` }, 404);
      }
      const { trade, refunds } = found;
      const notifications = await admin.listNotifications({ partner, partnerTransId, limit: 50 });
      const offset = ctx.clock.offset(partner);
      const simulate = (service: string, extra: Record<string, string> = {}) => withQuery('/simulate', { service, partner, partner_trans_id: partnerTransId, ...extra });
      renderPage(req, res, 'trades/detail', {
        title: `Trade ${partnerTransId}`,
        trade: {
          ...tradeItem(trade),
          remaining: amountText(trade.amount - trade.refunded, trade.currency),
          exchangeRate: trade.exchangeRate,
          amountCny: trade.amountCny,
          buyerIdentityCode: trade.buyerIdentityCode,
          buyerLoginId: trade.buyerLoginId,
          buyerUserId: trade.buyerUserId,
          paid: formatTime(trade.paidAt),
          closed: formatTime(trade.closedAt),
          closeReason: trade.closeReason ? (CLOSE_REASONS[trade.closeReason] ?? trade.closeReason) : '',
          pending: trade.pending !== null && trade.state === 'WAIT_BUYER_PAY',
          queryCount: trade.queryCount,
        },
        refunds: refunds.map((refund) => ({
          time: formatTime(refund.createdAt),
          partnerRefundId: refund.partnerRefundId,
          amount: amountText(refund.amount, refund.currency),
          currency: refund.currency,
          reason: refund.reason ?? '',
        })),
        events: timeline(trade, refunds),
        notifications: notifications.map(notificationView),
        notificationsHref: withQuery('/notifications', { partner, partner_trans_id: partnerTransId }),
        clock: offset === 0 ? null : { now: formatTime(ctx.clock.now(partner)), aheadSeconds: Math.round(offset / 1000) },
        zone: zoneLabel(),
        links: {
          requests: withQuery('/requests', { partner, partner_trans_id: partnerTransId }),
          query: simulate(SERVICES.query),
          refund: simulate(SERVICES.refund),
          cancel: simulate(SERVICES.cancel),
        },
      });
    }),
  );

  return router;
}
