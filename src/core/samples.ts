/** A valid pay request's business parameters, in the order a form shows them: the sample Simulate, the rule
 * preview and the Postman collection start from. The caller gives what must be fresh or templated. */
export function samplePayParams(values: {
  partner: string;
  partnerTransId: string;
  transCreateTime: string;
  transName?: string;
}): Array<[name: string, value: string]> {
  return [
    ['alipay_seller_id', values.partner],
    ['partner_trans_id', values.partnerTransId],
    ['trans_name', values.transName ?? 'Coffee'],
    ['trans_amount', '10.00'],
    ['currency', 'USD'],
    ['quantity', '1'],
    ['buyer_identity_code', '281234567890123456'],
    ['identity_code_type', 'barcode'],
    ['trans_create_time', values.transCreateTime],
    ['biz_product', 'OVERSEAS_MBARCODE_PAY'],
  ];
}
