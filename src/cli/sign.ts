// `mapi-mock sign`. Light: no database code is loaded for it.
import { type MapiCharset, signRequest } from '../client/signing.ts';
import { MapiArgumentError } from '../core/errors.ts';
import { type Io, UsageError } from './io.ts';

export interface SignArgs {
  key: string;
  gateway: string;
  /** undefined: `_input_charset` of the parameters, else utf-8 */
  charset: string | undefined;
  json: boolean;
  pairs: string[];
}

export function signCommand(io: Io, args: SignArgs): number {
  if (args.pairs.length === 0) throw new UsageError('give the parameters to sign as name=value');
  const pairs = new Map<string, string>();
  for (const pair of args.pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`"${pair}" is not name=value`);
    const name = pair.slice(0, eq);
    if (pairs.has(name)) throw new UsageError(`${name} is given twice`);
    pairs.set(name, pair.slice(eq + 1));
  }
  // fromEntries, not assignment: a parameter named "__proto__" stays a parameter
  const params: Record<string, string> = Object.fromEntries(pairs);
  // the gateway reads a request without _input_charset as GBK: say which charset was signed
  params._input_charset ??= args.charset ?? 'utf-8';
  let signed;
  try {
    signed = signRequest(params, args.key, { charset: args.charset as MapiCharset | undefined, gatewayUrl: args.gateway });
  } catch (error) {
    if (error instanceof MapiArgumentError) throw new UsageError(error.message);
    throw error;
  }
  if (args.json) {
    io.out(JSON.stringify({ signedString: signed.signedString, sign: signed.sign, url: signed.url, params: signed.params }, null, 2));
  } else {
    io.out(`signed string: ${signed.signedString}`);
    io.out(`sign:          ${signed.sign}`);
    io.out(`url:           ${signed.url}`);
  }
  return 0;
}
