// Cases about the wire itself: GBK requests with Chinese text, and acknowledging notifications.
import { evidenceOf, failed, passed, waiting } from './traffic.ts';
import type { CaseDefinition, Evidence } from './types.ts';

const GBK = new Set(['gbk', 'gb2312']);
// any character beyond ASCII: what makes the charset of the signed bytes matter
const NON_ASCII = /[^\u0000-\u007f]/;

export const gbkCharset: CaseDefinition = {
  id: 'gbk-charset',
  title: 'A GBK request with Chinese text, signed right',
  steps: [
    'Start the case.',
    'Send a request in GBK (_input_charset=GBK, or none: GBK is the default) with a Chinese value, e.g. a pay with trans_name 咖啡.',
  ],
  checks: [
    'Passes when such a request is accepted (is_success=T): it was encoded in GBK and signed over its GBK bytes.',
    'Fails when such a request is refused with ILLEGAL_SIGN: the signature was made over other bytes (usually UTF-8).',
  ],
  arms: null,
  grade(traffic) {
    for (const r of traffic.requests) {
      if (!GBK.has(r.charset ?? '') || !Object.values(r.params).some((value) => NON_ASCII.test(value))) continue;
      if (r.isSuccess) return passed(`A ${r.charset!.toUpperCase()} request with non-ASCII text was accepted: it was signed over its GBK bytes.`, evidenceOf(r));
      if (r.error === 'ILLEGAL_SIGN') {
        return failed(`A ${r.charset!.toUpperCase()} request with non-ASCII text was refused with ILLEGAL_SIGN: sign the GBK bytes of the parameters, not their UTF-8 bytes.`, evidenceOf(r));
      }
    }
    return waiting();
  },
};

export const notifyAck: CaseDefinition = {
  id: 'notify-ack',
  title: 'A notification is answered exactly "success"',
  steps: [
    'Start the case.',
    'Sell something with notify_url set (in the pay, or as the partner\'s notify URL) so that a trade_status_sync notification is sent.',
    'Your notify_url must check the notification and answer with the body success (nothing else).',
  ],
  checks: [
    'Passes when the first attempt of a notification is answered with a body that, trimmed, is exactly success.',
    'Fails when the first attempt is answered anything else (OK, SUCCESS, JSON, an HTTP error) or not at all (refused, timed out).',
  ],
  arms: null,
  grade(traffic) {
    for (const n of traffic.notifications) {
      // the earliest decides: until its first attempt has ended there is nothing to judge
      if (!n.firstAttempt) return waiting();
      const evidence: Evidence[] = [{ kind: 'notification', id: n.id }];
      const a = n.firstAttempt;
      if (a.delivered) return passed(`The ${n.event} notification of ${n.partnerTransId} was answered success at the first attempt.`, evidence);
      const answered = a.status === null ? `not answered (${a.error ?? 'no answer'})` : `answered HTTP ${a.status} ${JSON.stringify((a.body ?? '').slice(0, 60))}`;
      return failed(`The ${n.event} notification of ${n.partnerTransId} was ${answered} at the first attempt; the body must be exactly success.`, evidence);
    }
    return waiting(evidenceOf());
  },
};
