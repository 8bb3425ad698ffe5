/** the rule form as a browser sends it for a new pay rule on amount 12.34, with `overrides` laid over */
export function ruleFormBody(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    service: 'alipay.acquire.overseas.spot.pay',
    partner: '',
    name: '',
    priority: '0',
    enabled: 'on',
    'when.0.param': 'trans_amount',
    'when.0.op': 'eq',
    'when.0.value': '12.34',
    'then.type': 'business',
    'then.resultCode': 'FAILED',
    'then.error': 'BUYER_BALANCE_NOT_ENOUGH',
    'then.fields': '',
    'then.delayMs': '0',
    'then.settleTo': '',
    'then.settleAfterQueries': '',
    'then.settleAfterSeconds': '',
    'then.fault': 'delay',
    durationMinutes: '',
    activeUntil: '',
    remainingUses: '',
    action: 'save',
    ...overrides,
  };
}
