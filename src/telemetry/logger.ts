// The structured log of one running mock (pino): JSON lines, one logger per mock, never a key or a token in a line.
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;
/** LOG_LEVEL's values, and `silent` for a library user who wants nothing at all */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** what the server logs at unless LOG_LEVEL says otherwise */
export const SERVER_LOG_LEVEL: LogLevel = 'info';
/** what createMock logs at unless told: only what is wrong, so that a user's test output stays their own */
export const LIBRARY_LOG_LEVEL: LogLevel = 'warn';

/** the secrets a line may carry by mistake (an error's fields, a request's parameters or headers): censored */
const SECRET_NAMES = ['key', 'sign', 'token', 'adminToken', 'secret', 'signedString', 'authorization', 'cookie', 'oneTimeKey', 'password'];
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_NAMES,
  ...SECRET_NAMES.map((name) => `*.${name}`),
  ...SECRET_NAMES.map((name) => `*.*.${name}`),
];

/**
 * A logger at `level`, writing JSON lines to `destination` (default standard output). Secret fields are replaced
 * by `[redacted]` wherever they appear (up to two levels deep), even though no line is meant to hold one.
 */
export function createLogger(options: { level?: LogLevel; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? SERVER_LOG_LEVEL,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
      // "level":"warn" rather than 40: a reader of the raw line needs no table
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? process.stdout,
  );
}
