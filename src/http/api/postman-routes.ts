// GET /api/postman: a Postman collection with one signed request per service, for testers who live in Postman.
import { type Request, Router } from 'express';
import { samplePayParams } from '../../core/samples.ts';
import type { AppContext } from '../../app/context.ts';
import type { Partner } from '../../core/types.ts';
import { SERVICES } from '../../core/types.ts';
import { sendErrors } from './json.ts';

export const POSTMAN_SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';

/**
 * Runs before every request of the collection. Postman gives scripts `pm` and `CryptoJS`; plain ES5, which every
 * Postman version runs. A pay starts a new partner_trans_id that the query, refund and cancel then refer to.
 */
export const PRE_REQUEST_SCRIPT = [
  '// mapi-mock: sign the request with MD5 as the gateway checks it (sorted, empty values and sign/sign_type left out, key appended)',
  'var items = [];',
  "if (pm.request.body && pm.request.body.mode === 'urlencoded') {",
  '  pm.request.body.urlencoded.each(function (p) { if (!p.disabled) items.push(p); });',
  '}',
  'pm.request.url.query.each(function (p) { if (!p.disabled) items.push(p); });',
  "var service = '';",
  "items.forEach(function (p) { if (p.key === 'service') service = pm.variables.replaceIn(String(p.value)); });",
  `if (service === '${SERVICES.pay}') {`,
  "  var id = 'PM' + Date.now();",
  "  pm.collectionVariables.set('partner_trans_id', id);",
  "  pm.variables.set('partner_trans_id', id);",
  '}',
  `if (service === '${SERVICES.refund}') pm.variables.set('partner_refund_id', 'PMR' + Date.now());`,
  "pm.variables.set('trans_create_time', new Date(Date.now() + 8 * 3600 * 1000).toISOString().replace(/\\D/g, '').slice(0, 14));",
  "pm.variables.set('timestamp', String(Date.now()));",
  'var params = {};',
  "items.forEach(function (p) { params[p.key] = pm.variables.replaceIn(p.value == null ? '' : String(p.value)); });",
  'var text = Object.keys(params)',
  "  .filter(function (k) { var n = k.toLowerCase(); return n !== 'sign' && n !== 'sign_type' && params[k] !== ''; })",
  '  .sort()',
  "  .map(function (k) { return k + '=' + params[k]; })",
  "  .join('&');",
  "pm.variables.set('sign', CryptoJS.MD5(text + pm.variables.get('key')).toString());",
];

type Field = [name: string, value: string];

const COMMON: Field[] = [
  ['partner', '{{partner}}'],
  ['_input_charset', 'utf-8'],
];
const SIGNATURE: Field[] = [
  ['sign', '{{sign}}'],
  ['sign_type', 'MD5'],
];

const REQUESTS: Array<{ name: string; service: string; description: string; fields: Field[] }> = [
  {
    name: 'Pay',
    service: SERVICES.pay,
    description: 'A barcode payment with a new partner_trans_id. Amounts 9901 to 9908 answer the default failures.',
    fields: samplePayParams({ partner: '{{partner}}', partnerTransId: '{{partner_trans_id}}', transCreateTime: '{{trans_create_time}}' }),
  },
  {
    name: 'Query',
    service: SERVICES.query,
    description: 'The trade of the last Pay.',
    fields: [['partner_trans_id', '{{partner_trans_id}}']],
  },
  {
    name: 'Refund',
    service: SERVICES.refund,
    description: 'Refunds 1.00 of the last Pay, with a new partner_refund_id.',
    fields: [
      ['partner_trans_id', '{{partner_trans_id}}'],
      ['partner_refund_id', '{{partner_refund_id}}'],
      ['refund_amount', '1.00'],
      ['currency', 'USD'],
      ['refund_reason', 'Postman'],
      ['is_sync', 'Y'],
    ],
  },
  {
    name: 'Cancel',
    service: SERVICES.cancel,
    description: 'Cancels the last Pay (out_trade_no is its partner_trans_id).',
    fields: [
      ['out_trade_no', '{{partner_trans_id}}'],
      ['timestamp', '{{timestamp}}'],
    ],
  },
];

/** A Postman v2.1 collection: one POST form per service against `{{gateway}}`, signed by the collection's script. */
export function postmanCollection(gatewayUrl: string, partner: Partner) {
  return {
    info: {
      name: 'mapi-mock',
      description: `Alipay MAPI spot services against mapi-mock at ${gatewayUrl}. Every request is signed with MD5 by the collection's pre-request script, with the key in the collection variable "key". Run Pay first: Query, Refund and Cancel refer to its partner_trans_id.`,
      schema: POSTMAN_SCHEMA,
    },
    event: [{ listen: 'prerequest', script: { type: 'text/javascript', exec: PRE_REQUEST_SCRIPT } }],
    variable: [
      { key: 'gateway', value: gatewayUrl, type: 'string' },
      { key: 'partner', value: partner.id, type: 'string' },
      { key: 'key', value: partner.key, type: 'string' },
      { key: 'partner_trans_id', value: '', type: 'string' },
    ],
    item: REQUESTS.map(({ name, service, description, fields }) => ({
      name: `${name} (${service})`,
      request: {
        method: 'POST',
        header: [],
        body: {
          mode: 'urlencoded',
          urlencoded: [['service', service] as Field, ...COMMON, ...fields, ...SIGNATURE].map(([key, value]) => ({ key, value, type: 'text' })),
        },
        url: { raw: '{{gateway}}', host: ['{{gateway}}'] },
        description,
      },
    })),
  };
}

function gatewayUrlOf(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1'}/gateway.do`;
}

/** mounted at /api/postman; `?partner=` makes the collection for another partner */
export function postmanRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const asked = typeof req.query.partner === 'string' && req.query.partner !== '' ? req.query.partner : ctx.defaultPartner.id;
    const partner = ctx.partners.get(asked) ?? (asked === ctx.defaultPartner.id ? ctx.defaultPartner : undefined);
    if (!partner) return sendErrors(res, 404, { partner: `no partner ${asked}` });
    res.json(postmanCollection(gatewayUrlOf(req), partner));
  });
  return router;
}
