# A client written the way the `alipay` Ruby gem (chloerei/alipay) builds spot URLs: every param, empty ones
# kept, sorted, md5 over "k=v&..." + key, then a signed GET URL; the answer read with REXML.
# Usage: ruby gem-style.rb GATEWAY_URL PARTNER KEY STEP_JSON...  → one JSON line per step
require 'digest/md5'
require 'erb'
require 'json'
require 'net/http'
require 'rexml/document'
require 'uri'

gateway, partner, key, *steps = ARGV
steps.each do |step_json|
  step = JSON.parse(step_json)
  params = { 'service' => nil, '_input_charset' => 'utf-8', 'partner' => partner }.merge(step['params'])
  string = params.sort.map { |k, v| "#{k}=#{v}" }.join('&')
  sign = Digest::MD5.hexdigest(string + key)
  query = params.merge('sign_type' => 'MD5', 'sign' => sign).map { |k, v| "#{ERB::Util.url_encode(k)}=#{ERB::Util.url_encode(v.to_s)}" }.join('&')
  res = Net::HTTP.get_response(URI("#{gateway}?#{query}"))
  # REXML reads the prolog's encoding="GBK" and decodes the bytes itself
  doc = REXML::Document.new(res.body)
  out = { 'status' => res.code.to_i, 'type' => res['Content-Type'], 'is_success' => doc.elements['alipay/is_success'].text }
  if out['is_success'] == 'T'
    fields = {}
    doc.elements.each('alipay/response/alipay/*') { |e| fields[e.name] = e.text }
    fields.transform_values! { |v| v.encode('UTF-8') }
    pre = fields.keys.sort.map { |k| "#{k}=#{fields[k]}" }.join('&')
    out['sign_ok'] = Digest::MD5.hexdigest((pre + key).encode('GBK')) == doc.elements['alipay/sign'].text
    out['fields'] = fields
  else
    out['error'] = doc.elements['alipay/error'].text
  end
  puts JSON.generate(out)
end
