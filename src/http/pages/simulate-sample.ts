// A valid request of each service to start from: fresh ids for a pay, the partner's latest paid trade for the rest.
import { randomInt } from 'node:crypto';
import { samplePayParams } from '../../core/samples.ts';
import type { AdminService } from '../../app/admin-service.ts';
import type { AppContext } from '../../app/context.ts';
import { formatGmt8 } from '../../core/time.ts';
import { SERVICES, type ServiceName, type Trade, isServiceName } from '../../core/types.ts';
import type { RequestLogEntry } from '../../store/records.ts';
import { amountText } from './request-format.ts';
import { type ParamRow, type SimForm, pickCharset, pickMethod } from './simulate-request.ts';

export interface Sample {
  form: SimForm;
  /** what the tester should know about the sample (no trade to refer to, a sign cleared, ...) */
  note: string | null;
}

/** "SIM20240101120003" + 4 random digits: readable, and new on every load */
function freshId(prefix: string, now: Date): string {
  return `${prefix}${formatGmt8(now)}${String(randomInt(10_000)).padStart(4, '0')}`;
}

const rows = (entries: Array<[string, string]>): ParamRow[] => entries.map(([name, value]) => ({ name, value }));

/** The trade a refund, query or cancel sample refers to: the one asked for, else the latest paid one. */
async function tradeFor(admin: AdminService, partner: string, partnerTransId: string | undefined): Promise<Trade | null> {
  if (partnerTransId) {
    const found = await admin.getTrade(partner, partnerTransId);
    if (found) return found.trade;
  }
  const [latest] = await admin.listTrades({ partner, state: 'TRADE_SUCCESS', limit: 1 });
  return latest ?? null;
}

export async function sampleForm(
  ctx: AppContext,
  admin: AdminService,
  options: { service: ServiceName; partner: string; partnerTransId?: string; charset?: string; method?: string },
): Promise<Sample> {
  const { service, partner } = options;
  const now = ctx.clock.now(partner);
  const form = (params: ParamRow[]): SimForm => ({
    service,
    partner,
    charset: pickCharset(options.charset),
    method: pickMethod(options.method),
    rows: [...rows([['service', service], ['partner', partner]]), ...params, ...rows([['sign_type', 'MD5'], ['sign', '']])],
  });
  if (service === SERVICES.pay) {
    return {
      form: form(
        rows(samplePayParams({ partner, partnerTransId: freshId('SIM', now), transCreateTime: formatGmt8(now) })),
      ),
      note: null,
    };
  }
  const trade = await tradeFor(admin, partner, options.partnerTransId);
  const id = trade?.partnerTransId ?? '';
  const note = trade ? null : `Partner ${partner} has no paid trade yet: send a pay first, or type the id of one.`;
  if (service === SERVICES.refund) {
    // what is left to refund; all of it when nothing is (the gateway will say so)
    const left = trade ? amountText(trade.amount > trade.refunded ? trade.amount - trade.refunded : trade.amount, trade.currency) : '1.00';
    return {
      form: form(
        rows([
          ['partner_trans_id', id],
          ['partner_refund_id', freshId('RSIM', now)],
          ['refund_amount', left],
          ['currency', trade?.currency ?? 'USD'],
          ['refund_reason', 'Simulated refund'],
        ]),
      ),
      note,
    };
  }
  if (service === SERVICES.cancel) {
    return { form: form(rows([['out_trade_no', id], ['timestamp', String(now.getTime())]])), note };
  }
  return { form: form(rows([['partner_trans_id', id]])), note };
}

/** A logged request as a form to send again; its sign is cleared so that an edited value is signed afresh. */
export function formFromLog(entry: RequestLogEntry, knownPartner: (id: string) => boolean, fallbackPartner: string): Sample {
  const service = entry.service !== null && isServiceName(entry.service) ? entry.service : SERVICES.pay;
  const partner = entry.partner !== null && knownPartner(entry.partner) ? entry.partner : fallbackPartner;
  // the log keeps no order (jsonb): service and partner first, sign_type and sign last, the rest by name
  const rank = (name: string) => (name === 'service' ? 0 : name === 'partner' ? 1 : name === 'sign_type' ? 3 : name === 'sign' ? 4 : 2);
  const params = Object.entries(entry.params)
    .filter(([name]) => name !== '_input_charset')
    .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const hadSign = params.some(([name, value]) => name === 'sign' && value !== '');
  return {
    form: {
      service,
      partner,
      charset: pickCharset(entry.charset),
      method: pickMethod(entry.method),
      rows: params.map(([name, value]) => ({ name, value: name === 'sign' ? '' : value })),
    },
    note: hadSign ? 'Loaded from the request log. Its sign was cleared: it is computed again when you send (paste it back to send it as it was).' : 'Loaded from the request log.',
  };
}
