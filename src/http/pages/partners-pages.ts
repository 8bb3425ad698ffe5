// Partners: add one, its MD5 key (generate or type), its notification URL with a test notification, its clock
// (forward, back to real time), and removing it after a confirmation page.
import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { PartnerAdmin, type TestNotification } from '../../app/partner-admin.ts';
import { page } from './pages-router.ts';
import { formatTime, zoneLabel } from './request-format.ts';
import { PARTNER_ID_PATTERN, PARTNER_ID_RULE, PARTNER_KEY_PATTERN, PARTNER_KEY_RULE } from '../../core/types.ts';
import { formatDuration } from './rule-form-view.ts';
import { flash, renderPage } from './view.ts';

const PARTNER_ID = PARTNER_ID_PATTERN;
const KEY = PARTNER_KEY_PATTERN;
const ID_MESSAGE = `A partner id is ${PARTNER_ID_RULE}.`;
const KEY_MESSAGE = `A key is ${PARTNER_KEY_RULE}.`;
/** ten years, as the API allows */
const MAX_MINUTES = 10 * 365 * 24 * 60;

/** what the page shows besides the partners: the add form, and the one partner form that was sent */
interface PartnersView {
  add?: { id: string; key: string };
  /** the partner whose form was sent */
  target?: string;
  replaceKey?: string;
  notifyUrl?: string;
  minutes?: string;
  test?: TestNotification;
  errors?: Record<string, string>;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function partnersPages(ctx: AppContext): Router {
  const router = Router();
  const admin = ctx.admin;
  const partnerAdmin = new PartnerAdmin(ctx);

  const show = (req: Request, res: Response, view: PartnersView = {}, status = 200) => {
    renderPage(
      req,
      res,
      'partners/index',
      {
        title: 'Partners',
        partners: admin.listPartners().map((partner, index) => {
          const aheadSeconds = Math.round(ctx.clock.offset(partner.id) / 1000);
          return {
            ...partner,
            keyId: `partner-key-${index}`,
            isDefault: partner.id === ctx.defaultPartner.id,
            clock: { aheadSeconds, ahead: formatDuration(aheadSeconds), now: formatTime(ctx.clock.now(partner.id)) },
          };
        }),
        zone: zoneLabel(),
        add: view.add ?? { id: '', key: '' },
        target: view.target ?? null,
        replaceKey: view.replaceKey ?? null,
        notifyUrl: view.notifyUrl ?? null,
        minutes: view.minutes ?? null,
        test: view.test && { ...view.test, posted: Object.entries(view.test.params).map(([name, value]) => `${name}=${value}`).join('\n') },
        errors: view.errors ?? {},
      },
      status,
    );
  };

  /** the partner a /partners/:id/... form names, or a 404 page */
  const known = (req: Request, res: Response): string | null => {
    const id = String(req.params.id);
    if (PARTNER_ID.test(id) && ctx.partners.get(id)) return id;
    renderPage(req, res, 'error', { title: 'Partner not found', message: `There is no partner ${id}.` }, 404);
    return null;
  };

  router.get('/partners', (req, res) => show(req, res));

  router.post(
    '/partners',
    page(async (req, res) => {
      const id = field(req, 'id').trim();
      const key = field(req, 'key').trim();
      const errors: Record<string, string> = {};
      if (!PARTNER_ID.test(id)) errors.id = ID_MESSAGE;
      else if (await admin.partnerExists(id)) errors.id = `Partner ${id} exists already: change its key in the list above.`;
      if (key !== '' && !KEY.test(key)) errors.key = KEY_MESSAGE;
      if (Object.keys(errors).length > 0) return show(req, res, { add: { id, key }, errors }, 400);
      await admin.savePartner(id, key === '' ? null : key);
      flash(res, `Partner ${id} added${key === '' ? ' with a generated key' : ''}.`);
      res.redirect(303, '/partners');
    }),
  );

  router.post(
    '/partners/:id/key',
    page(async (req, res) => {
      const id = known(req, res);
      if (id === null) return;
      const action = field(req, 'action');
      if (action === 'generate') {
        await admin.savePartner(id, null);
        flash(res, `Partner ${id} has a new key. Clients signing with the old one now get ILLEGAL_SIGN.`);
        return res.redirect(303, '/partners');
      }
      const key = field(req, 'key').trim();
      if (action !== 'replace' || !KEY.test(key)) {
        const errors = { replaceKey: action !== 'replace' ? 'Choose "Replace key" or "Generate a new key".' : KEY_MESSAGE };
        return show(req, res, { target: id, replaceKey: key, errors }, 400);
      }
      await admin.savePartner(id, key);
      flash(res, `The key of partner ${id} was replaced.`);
      res.redirect(303, '/partners');
    }),
  );

  router.post(
    '/partners/:id/notify-url',
    page(async (req, res) => {
      const id = known(req, res);
      if (id === null) return;
      const typed = field(req, 'notifyUrl').trim();
      const result = await partnerAdmin.setNotifyUrl(id, typed === '' ? null : typed);
      if (!result.ok) {
        const message = 'A notification URL starts with http:// or https://, at most 1000 characters; leave it empty for none.';
        return show(req, res, { target: id, notifyUrl: typed, errors: { notifyUrl: message } }, 400);
      }
      flash(res, typed === '' ? `Partner ${id} has no notification URL now.` : `Notifications of partner ${id} without a notify_url go to ${typed}.`);
      res.redirect(303, `/partners#partner-${id}`);
    }),
  );

  router.post(
    '/partners/:id/test-notification',
    page(async (req, res) => {
      const id = known(req, res);
      if (id === null) return;
      const result = await partnerAdmin.sendTestNotification(id);
      if (!result.ok) return show(req, res, { target: id, errors: { notifyUrl: 'Save a notification URL first.' } }, 400);
      show(req, res, { target: id, test: result.value });
    }),
  );

  router.post(
    '/partners/:id/clock',
    page(async (req, res) => {
      const id = known(req, res);
      if (id === null) return;
      if (field(req, 'action') === 'reset') {
        await admin.moveClock(id, null);
        flash(res, `Partner ${id} is back on real time. What already happened stays (a closed trade stays closed).`);
        return res.redirect(303, `/partners#partner-${id}`);
      }
      const minutes = field(req, 'minutes').trim();
      const value = /^\d{1,7}$/.test(minutes) ? Number(minutes) : NaN;
      if (!(value >= 1 && value <= MAX_MINUTES)) {
        return show(req, res, { target: id, minutes, errors: { minutes: `Write a whole number of minutes from 1 to ${MAX_MINUTES}.` } }, 400);
      }
      const moved = await admin.moveClock(id, value * 60);
      if (!moved.ok) return show(req, res, { target: id, minutes, errors: { minutes: Object.values(moved.errors).join(' ') } }, 400);
      flash(res, `The clock of partner ${id} moved ${formatDuration(value * 60)} forward: it is ${formatTime(moved.now)} (${zoneLabel()}) there.`);
      res.redirect(303, `/partners#partner-${id}`);
    }),
  );

  router.get(
    '/partners/:id/remove',
    page(async (req, res) => {
      const id = known(req, res);
      if (id === null) return;
      if (id === ctx.defaultPartner.id) return show(req, res, { target: id, errors: { replaceKey: 'The default partner is seeded again at every start: it cannot be removed.' } }, 400);
      const [trades, requests] = await Promise.all([admin.listTrades({ partner: id, limit: 1001 }), admin.listRequests({ partner: id, limit: 1001 })]);
      const count = (n: number) => (n > 1000 ? 'more than 1000' : String(n));
      renderPage(req, res, 'partners/remove', {
        title: `Remove partner ${id}`,
        id,
        trades: count(trades.length),
        requests: count(requests.length),
        rules: ctx.rules.list().filter((rule) => rule.partner === id).length,
      });
    }),
  );

  router.post(
    '/partners/:id/remove',
    page(async (req, res) => {
      const id = known(req, res);
      if (id === null) return;
      const result = await partnerAdmin.remove(id);
      if (!result.ok) return renderPage(req, res, 'error', { title: 'Not removed', message: Object.values(result.errors).join(' ') }, result.status);
      flash(res, `Partner ${id} was removed, with its trades, rules and log entries.`);
      res.redirect(303, '/partners');
    }),
  );

  return router;
}
