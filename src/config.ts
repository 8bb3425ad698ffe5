import { PARTNER_ID_PATTERN, PARTNER_KEY_PATTERN } from './core/types.ts';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | null;
  dataDir: string;
  defaultPartnerId: string;
  defaultPartnerKey: string;
  /** DEFAULT_PARTNER_KEY was set: the seeded partner's key is overwritten with it even when the partner exists */
  defaultPartnerKeyGiven: boolean;
  adminToken: string | null;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  workers: number;
  /** request-log entries kept (REQUEST_LOG_MAX_ENTRIES; null: no limit) */
  requestLogMaxEntries: number | null;
  /** hours a request-log entry is kept (REQUEST_LOG_MAX_AGE_HOURS; null: no limit) */
  requestLogMaxAgeHours: number | null;
  /** more Host names the pages and /api answer to (ALLOWED_HOSTS); `*` for any */
  allowedHosts: string[];
}

export class ConfigError extends Error {}

/** The sandbox merchant every fresh install has (documented in the README). */
export const DEFAULT_PARTNER_ID = '2088000000000001';
export const DEFAULT_PARTNER_KEY = '0123456789abcdefghijklmnopqrstuv';

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/** `ALLOWED_HOSTS=box.lan,192.168.1.20,*`: names (a port is ignored), comma-separated. */
function hostList(raw: string | undefined): string[] {
  const names = (raw ?? '').split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!/^(\*|[A-Za-z0-9._-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?|[0-9A-Fa-f:.]+)$/.test(name)) {
      throw new ConfigError(`ALLOWED_HOSTS takes host names or addresses separated by commas, got "${name}"`);
    }
  }
  return names;
}

/** Reads the configuration once, from the environment given (never at import time). */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const logLevel = (env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  const partnerId = env.DEFAULT_PARTNER_ID || DEFAULT_PARTNER_ID;
  if (!PARTNER_ID_PATTERN.test(partnerId)) throw new ConfigError(`DEFAULT_PARTNER_ID must be 16 digits, got "${partnerId}"`);
  const partnerKey = env.DEFAULT_PARTNER_KEY || DEFAULT_PARTNER_KEY;
  if (!PARTNER_KEY_PATTERN.test(partnerKey)) {
    throw new ConfigError('DEFAULT_PARTNER_KEY must be 1 to 64 printable ASCII characters');
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || null,
    dataDir: env.DATA_DIR || 'data',
    defaultPartnerId: partnerId,
    defaultPartnerKey: partnerKey,
    defaultPartnerKeyGiven: Boolean(env.DEFAULT_PARTNER_KEY),
    adminToken: env.ADMIN_TOKEN || null,
    logLevel: logLevel as Config['logLevel'],
    workers: integer(env, 'WORKERS', 1, 1, 64),
    // 0: no limit of that kind
    requestLogMaxEntries: integer(env, 'REQUEST_LOG_MAX_ENTRIES', 100_000, 0, 1_000_000_000) || null,
    requestLogMaxAgeHours: integer(env, 'REQUEST_LOG_MAX_AGE_HOURS', 24, 0, 100_000) || null,
    allowedHosts: hostList(env.ALLOWED_HOSTS),
  };
}
