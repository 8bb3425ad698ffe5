<?php
// A client written the way Alipay's official PHP demo (alipay_core.function.php, alipay_submit.class.php) works:
// paraFilter + argSort + createLinkstring + md5, POSTed by curl with an array (so multipart/form-data), the
// charset in the URL; the answer read with SimpleXML and its signature checked.
// Usage: php official-demo.php GATEWAY_URL PARTNER KEY CHARSET STEP_JSON...  → one JSON line per step
function paraFilter($para) {
    $out = array();
    foreach ($para as $k => $v) {
        if ($k == "sign" || $k == "sign_type" || $v == "") continue;
        $out[$k] = $para[$k];
    }
    return $out;
}
function argSort($para) { ksort($para); reset($para); return $para; }
function createLinkstring($para) {
    $arg = "";
    foreach ($para as $k => $v) $arg .= $k . "=" . $v . "&";
    return substr($arg, 0, strlen($arg) - 1);
}
function md5Sign($prestr, $key) { return md5($prestr . $key); }

list(, $gateway, $partner, $key, $charset) = $argv;
$steps = array_slice($argv, 5);
foreach ($steps as $stepJson) {
    $step = json_decode($stepJson, true);
    $params = $step['params'];
    $params['partner'] = $partner;
    $params['_input_charset'] = $charset;
    if (strtolower($charset) != 'utf-8') {
        foreach ($params as $k => $v) $params[$k] = iconv('UTF-8', $charset, $v);
    }
    $sorted = argSort(paraFilter($params));
    $sign = md5Sign(createLinkstring($sorted), $key);
    if (!empty($step['tamper'])) $sign = md5('tampered');
    $sorted['sign'] = $sign;
    $sorted['sign_type'] = 'MD5';
    $curl = curl_init($gateway . '?_input_charset=' . $charset);
    curl_setopt($curl, CURLOPT_HEADER, 0);
    curl_setopt($curl, CURLOPT_RETURNTRANSFER, 1);
    curl_setopt($curl, CURLOPT_POST, true);
    curl_setopt($curl, CURLOPT_POSTFIELDS, $sorted); // an array: PHP sends multipart/form-data
    $body = curl_exec($curl);
    $status = curl_getinfo($curl, CURLINFO_HTTP_CODE);
    $type = curl_getinfo($curl, CURLINFO_CONTENT_TYPE);
    curl_close($curl);
    $xml = simplexml_load_string($body);
    $result = array('status' => $status, 'type' => $type, 'is_success' => (string)$xml->is_success);
    if ((string)$xml->is_success == 'T') {
        $fields = array();
        foreach ($xml->response->alipay->children() as $child) $fields[$child->getName()] = (string)$child;
        ksort($fields);
        // verify as the demo's notify/return verifier does, over the GBK bytes of the answer
        $pre = array();
        foreach ($fields as $k => $v) $pre[] = $k . '=' . iconv('UTF-8', 'GBK', $v);
        $result['sign_ok'] = md5(implode('&', $pre) . $key) === (string)$xml->sign;
        $result['fields'] = $fields;
    } else {
        $result['error'] = (string)$xml->error;
    }
    echo json_encode($result, JSON_UNESCAPED_UNICODE), "\n";
}
