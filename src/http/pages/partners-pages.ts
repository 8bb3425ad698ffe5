// Partners and their MD5 keys: add one, generate a new key, or type the key an integration already has.
import { type Request, type Response, Router } from 'express';
import { AdminService } from '../../app/admin-service.ts';
import type { AppContext } from '../../app/context.ts';
import { page } from './pages-router.ts';
import { flash, renderPage } from './view.ts';

const PARTNER_ID = /^\d{16}$/;
// as the admin API: what a client can hold in a config file and sign with, no spaces
const KEY = /^[\x21-\x7e]{1,64}$/;
const ID_MESSAGE = 'A partner id is 16 digits, such as 2088101122136241.';
const KEY_MESSAGE = 'A key is 1 to 64 printable ASCII characters, without spaces.';

interface PartnersForm {
  /** the add form's values */
  add: { id: string; key: string };
  /** the replace form of one partner, when it was the one sent */
  replace: { partner: string; key: string } | null;
  errors: Record<string, string>;
}

function field(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

export function partnersPages(ctx: AppContext): Router {
  const router = Router();
  const admin = new AdminService(ctx);

  const show = (req: Request, res: Response, form: PartnersForm, status = 200) => {
    renderPage(
      req,
      res,
      'partners/index',
      {
        title: 'Partners',
        partners: admin.listPartners().map((partner, index) => ({ ...partner, keyId: `partner-key-${index}` })),
        defaultPartner: ctx.defaultPartner.id,
        ...form,
      },
      status,
    );
  };

  router.get('/partners', (req, res) => show(req, res, { add: { id: '', key: '' }, replace: null, errors: {} }));

  router.post(
    '/partners',
    page(async (req, res) => {
      const id = field(req, 'id').trim();
      const key = field(req, 'key').trim();
      const errors: Record<string, string> = {};
      if (!PARTNER_ID.test(id)) errors.id = ID_MESSAGE;
      else if (ctx.partners.get(id) || (await ctx.store.getPartner(id))) errors.id = `Partner ${id} exists already: change its key in the list above.`;
      if (key !== '' && !KEY.test(key)) errors.key = KEY_MESSAGE;
      if (Object.keys(errors).length > 0) return show(req, res, { add: { id, key }, replace: null, errors }, 400);
      await admin.savePartner(id, key === '' ? null : key);
      flash(res, `Partner ${id} added${key === '' ? ' with a generated key' : ''}.`);
      res.redirect(303, '/partners');
    }),
  );

  router.post(
    '/partners/:id/key',
    page(async (req, res) => {
      const id = String(req.params.id);
      if (!PARTNER_ID.test(id) || !(ctx.partners.get(id) ?? (await ctx.store.getPartner(id)))) {
        return renderPage(req, res, 'error', { title: 'Partner not found', message: `There is no partner ${id}.` }, 404);
      }
      const action = field(req, 'action');
      if (action === 'generate') {
        await admin.savePartner(id, null);
        flash(res, `Partner ${id} has a new key. Clients signing with the old one now get ILLEGAL_SIGN.`);
        return res.redirect(303, '/partners');
      }
      const key = field(req, 'key').trim();
      if (action !== 'replace' || !KEY.test(key)) {
        const errors = { replaceKey: action !== 'replace' ? 'Choose "Replace key" or "Generate a new key".' : KEY_MESSAGE };
        return show(req, res, { add: { id: '', key: '' }, replace: { partner: id, key }, errors }, 400);
      }
      await admin.savePartner(id, key);
      flash(res, `The key of partner ${id} was replaced.`);
      res.redirect(303, '/partners');
    }),
  );

  return router;
}
