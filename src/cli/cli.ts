// mapi-mock: serve, migrate, rules export / import, sign, cases report. Exit codes: 0 done, 1 failed, 2 wrong usage.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, DEFAULT_PARTNER_KEY } from '../config.ts';
import { type Io, UsageError } from './io.ts';
import { signCommand } from './sign.ts';

const DB_OPTIONS = `
  --database-url URL   a PostgreSQL database (default: $DATABASE_URL)
  --data-dir DIR       the embedded database's folder when there is no database URL (default: $DATA_DIR or data)`;

const HELP: Record<string, string> = {
  main: `Usage: mapi-mock <command> [options]

A local stand-in for Alipay's MAPI gateway (gateway.do).

Commands:
  serve                  start the mock (what npm start does)
  migrate                bring the database schema up to date
  rules export           print the custom rules as JSON (or write them to --out FILE)
  rules import FILE      load custom rules from a JSON file (an export, or an array of rules)
  sign name=value ...    sign request parameters; print the signed string, the sign and the URL
  cases report           a partner's integration test cases from a running mock; exit 0 when every started one passed

Run mapi-mock <command> --help for a command's options. Configuration is also read from the environment
(PORT, HOST, DATABASE_URL, DATA_DIR, DEFAULT_PARTNER_ID, DEFAULT_PARTNER_KEY, ADMIN_TOKEN, WORKERS, LOG_LEVEL).`,
  serve: `Usage: mapi-mock serve [options]

Starts the mock gateway and the admin API, and prints the gateway URL, the partner id and its key.

Options:
  --port N             port to listen on (default: $PORT or 8080)
  --host HOST          interface to listen on (default: $HOST or 127.0.0.1)${DB_OPTIONS}`,
  migrate: `Usage: mapi-mock migrate [options]

Brings the database schema up to date (serve does it too, at start).

Options:${DB_OPTIONS}`,
  rules: `Usage: mapi-mock rules export [--out FILE] [options]
       mapi-mock rules import FILE [--mode merge|replace] [options]

export prints the custom rules as JSON, in the shape of GET /api/rules/export.
import loads rules from FILE (- for standard input): an export, or an array of rules. Every rule is checked first;
one refused rule refuses the import. merge (default) adds or replaces rules by id; replace deletes the other
custom rules first. With the embedded database, stop the server first (one process at a time), or use
POST /api/rules/import on the running server.

Options:
  --out FILE           export: write to FILE instead of standard output
  --mode MODE          import: merge (default) or replace${DB_OPTIONS}`,
  sign: `Usage: mapi-mock sign [--key KEY] [--gateway URL] [--charset utf-8|GBK] [--json] name=value ...

Signs the parameters as MAPI clients do (sorted, empty values and sign/sign_type left out, key appended, MD5)
and prints the signed string, the sign and the full signed URL. _input_charset is added when not given.

Options:
  --key KEY            the partner's MD5 key (default: $DEFAULT_PARTNER_KEY or the sandbox key)
  --gateway URL        the gateway (default: http://127.0.0.1:$PORT/gateway.do, port 8080)
  --charset CHARSET    utf-8 (default) or GBK: the bytes the sign is made over and the URL is encoded in
  --json               print {signedString, sign, url, params} as JSON

Example:
  mapi-mock sign service=alipay.acquire.overseas.query partner=2088000000000001 partner_trans_id=T1`,
  cases: `Usage: mapi-mock cases report --partner ID [--url BASE] [--junit FILE]

Reads the partner's integration test cases from a running mock (GET /api/cases/report) and prints them as a table.
Exits 0 only when at least one case was started and every started case passed; 1 otherwise. With ADMIN_TOKEN in
the environment it is sent as a bearer token.

Options:
  --partner ID         the partner whose cases to report (required)
  --url BASE           the mock (default: http://127.0.0.1:8080)
  --junit FILE         also write JUnit XML there: failed and waiting cases are failures, cases not started skipped

Example (CI):
  mapi-mock cases report --partner 2088000000000001 --junit reports/mapi-cases.xml`,
};

const DB_FLAGS = {
  'database-url': { type: 'string' },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** command-line values win over the environment */
function withFlags(env: NodeJS.ProcessEnv, values: Record<string, unknown>): NodeJS.ProcessEnv {
  const next = { ...env };
  const names: Record<string, string> = { 'database-url': 'DATABASE_URL', 'data-dir': 'DATA_DIR', port: 'PORT', host: 'HOST' };
  for (const [flag, name] of Object.entries(names)) if (typeof values[flag] === 'string') next[name] = values[flag] as string;
  return next;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true as const, strict: true as const });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function help(io: Io, topic: string): number {
  io.out(HELP[topic]!);
  return 0;
}

/** the exit code, or null for a server that keeps running */
async function run(argv: string[], io: Io): Promise<number | null> {
  const [command, ...rest] = argv;
  if (command === undefined) throw new UsageError('which command?');
  if (command === '--help' || command === '-h' || command === 'help') {
    return help(io, command === 'help' && rest[0] !== undefined && HELP[rest[0]] ? rest[0] : 'main');
  }
  switch (command) {
    case 'serve': {
      const { values, positionals } = parse(rest, { ...DB_FLAGS, port: { type: 'string' }, host: { type: 'string' } });
      if (values.help) return help(io, 'serve');
      if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(' ')}`);
      Object.assign(process.env, withFlags({}, values));
      // loaded here: the other commands need none of the server; WORKERS forks run this same command line
      const { exitOnStartError, runServer } = await import('../main.ts');
      await runServer().catch(exitOnStartError);
      return null;
    }
    case 'migrate': {
      const { values, positionals } = parse(rest, DB_FLAGS);
      if (values.help) return help(io, 'migrate');
      if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(' ')}`);
      const { migrateCommand } = await import('./commands.ts');
      return migrateCommand(withFlags(process.env, values), io);
    }
    case 'rules': {
      const { values, positionals } = parse(rest, { ...DB_FLAGS, out: { type: 'string' }, mode: { type: 'string' } });
      if (values.help) return help(io, 'rules');
      const [action, file, ...extra] = positionals;
      const env = withFlags(process.env, values);
      const { exportRulesCommand, importRulesCommand } = await import('./commands.ts');
      if (action === 'export' && file === undefined && values.mode === undefined) return exportRulesCommand(env, io, values.out);
      if (action === 'import' && file !== undefined && extra.length === 0 && values.out === undefined) {
        return importRulesCommand(env, io, file, values.mode ?? 'merge');
      }
      throw new UsageError(action === 'import' ? 'rules import takes one FILE' : 'say rules export or rules import FILE');
    }
    case 'sign': {
      const { values, positionals } = parse(rest, {
        key: { type: 'string' },
        gateway: { type: 'string' },
        charset: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      });
      if (values.help) return help(io, 'sign');
      const gateway = values.gateway ?? `http://127.0.0.1:${process.env.PORT || 8080}/gateway.do`;
      const key = values.key ?? (process.env.DEFAULT_PARTNER_KEY || DEFAULT_PARTNER_KEY);
      return signCommand(io, { key, gateway, charset: values.charset, json: values.json === true, pairs: positionals });
    }
    case 'cases': {
      const { values, positionals } = parse(rest, {
        partner: { type: 'string' },
        url: { type: 'string' },
        junit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      });
      if (values.help) return help(io, 'cases');
      if (positionals.length !== 1 || positionals[0] !== 'report') throw new UsageError('say cases report --partner ID');
      const { casesReportCommand } = await import('./cases.ts');
      return casesReportCommand(io, { partner: values.partner, url: values.url, junit: values.junit, token: process.env.ADMIN_TOKEN || undefined });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// `mapi-mock rules export | head`: a reader that stops early is not a failure
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const io: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };
const argv = process.argv.slice(2);
run(argv, io).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      const topic = HELP[argv[0] ?? ''] ? argv[0]! : 'main';
      console.error(`mapi-mock: ${error.message}\n`);
      console.error(HELP[topic]);
      process.exitCode = 2;
    } else {
      console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
      process.exitCode = 1;
    }
  },
);
