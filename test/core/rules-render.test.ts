import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outcomeFields, renderTemplate, templateProblem } from '../../src/core/rules/render.ts';
import type { Trade } from '../../src/core/types.ts';

const TRADE = { currency: 'JPY', amount: 9912, refunded: 0, state: 'TRADE_SUCCESS', alipayTransId: '2024' } as Trade;

describe('renderTemplate', () => {
  it('inserts request values, spaces inside the braces allowed', () => {
    assert.equal(renderTemplate('id {{partner_trans_id}} / {{ currency }}', { partner_trans_id: 'T1', currency: 'USD' }), 'id T1 / USD');
  });

  it('inserts the trade\'s fields, and nothing for absent values', () => {
    assert.equal(renderTemplate('{{trade.trans_amount}} {{trade.state}}', {}, TRADE), '9912 TRADE_SUCCESS');
    assert.equal(renderTemplate('[{{memo}}][{{trade.state}}]', {}), '[][]');
  });

  it('leaves text without templates, and malformed ones, as written', () => {
    assert.equal(renderTemplate('plain } { text', {}), 'plain } { text');
    assert.equal(renderTemplate('{{a b}}', { a: 'x' }), '{{a b}}');
    assert.equal(renderTemplate('{{constructor}}', {}), '');
  });
});

describe('templateProblem', () => {
  it('accepts well-formed templates and plain text', () => {
    for (const text of ['', 'x', '{{a}}', '{{ trade.state }}-{{b_2}}', 'a}}b', '{ {a}}']) assert.equal(templateProblem(text), null, text);
  });
  it('refuses empty, unclosed and invalid ones', () => {
    for (const text of ['{{}}', '{{ }}', '{{a', 'x {{a b}}', '{{1a}}', '{{trade.colour}}', '{{a}}{{']) assert.notEqual(templateProblem(text), null, text);
  });
});

describe('outcomeFields', () => {
  it('renders every field of a business outcome, empty values kept', () => {
    const then = { type: 'business', resultCode: 'SUCCESS', fields: { memo: 'paid {{trans_amount}}', retry_flag: 'Y', payment_inst: '{{none}}' } } as const;
    assert.deepEqual(outcomeFields(then, { trans_amount: '1.00' }), { memo: 'paid 1.00', retry_flag: 'Y', payment_inst: '' });
  });
  it('is empty for other outcomes', () => {
    assert.deepEqual(outcomeFields({ type: 'gateway', error: 'SYSTEM_ERROR' }, {}), {});
  });
});
