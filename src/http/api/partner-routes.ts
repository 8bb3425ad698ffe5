// /api/partners/:id: the default notification URL, a test notification, and removing a partner.
import { Router } from 'express';
import type { AppContext } from '../../app/context.ts';
import { objectBody, sendErrors } from './json.ts';

export function partnerRouter(ctx: AppContext): Router {
  const partners = ctx.partnerAdmin;
  const router = Router();

  router.patch('/:id', async (req, res) => {
    const body = objectBody(req);
    if (!body.ok) return sendErrors(res, 400, body.errors);
    const unknown = Object.keys(body.data).filter((key) => key !== 'notifyUrl');
    if (unknown.length > 0 || !Object.hasOwn(body.data, 'notifyUrl')) {
      return sendErrors(res, 400, { notifyUrl: 'is the one field that can be changed here: {"notifyUrl": "http://..."} or null; a key is replaced with POST /api/partners' });
    }
    const result = await partners.setNotifyUrl(String(req.params.id), body.data.notifyUrl);
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    const { id, key, notifyUrl } = result.value;
    res.json({ id, key, notifyUrl: notifyUrl ?? null });
  });

  router.post('/:id/test-notification', async (req, res) => {
    const result = await partners.sendTestNotification(String(req.params.id));
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    const { url, status, body, delivered, error } = result.value;
    res.json({ url, status, body, delivered, error });
  });

  router.delete('/:id', async (req, res) => {
    const result = await partners.remove(String(req.params.id));
    if (!result.ok) return sendErrors(res, result.status, result.errors);
    res.status(204).end();
  });

  return router;
}
