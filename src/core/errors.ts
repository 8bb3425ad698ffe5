// Typed errors of the library: a test that passes a wrong argument learns why at the call, not from the gateway later.

/** every error the library throws on purpose */
export class MapiMockError extends Error {
  override name = 'MapiMockError';
}

/** a helper or client argument that the gateway would refuse: unknown service, bad amount, missing id, ... */
export class MapiArgumentError extends MapiMockError {
  override name = 'MapiArgumentError';
  constructor(
    /** the argument at fault, e.g. `amount` or `service` */
    readonly argument: string,
    message: string,
  ) {
    super(`${argument} ${message}`);
  }
}

/** a rule (or scenario, or import) the rule schema refuses, or a rule that does not exist */
export class MapiRuleError extends MapiMockError {
  override name = 'MapiRuleError';
  constructor(
    /** one message per dotted field path, as the admin API answers them (`when.0.op`, `then.resultCode`) */
    readonly errors: Record<string, string>,
    /** the HTTP status the admin API would answer: 400 refused, 404 no such rule, 409 id taken */
    readonly status: 400 | 404 | 409 = 400,
  ) {
    const details = Object.entries(errors).map(([path, message]) => (path ? `${path} ${message}` : message));
    super(`rule refused: ${details.join('; ')}`);
  }
}

/** an answer the client cannot read as MAPI XML: empty, malformed, an HTTP error page, a dropped connection */
export class MapiResponseError extends MapiMockError {
  override name = 'MapiResponseError';
  constructor(
    message: string,
    /** HTTP status, or null when no answer came */
    readonly status: number | null,
    /** the body as text (decoded from GBK), or null */
    readonly raw: string | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
