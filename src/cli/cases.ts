// mapi-mock cases report: a partner's test cases from a running mock, as a table, an exit code and JUnit XML.
import { writeFile } from 'node:fs/promises';
import { reportPasses } from '../core/cases/catalogue.ts';
import { renderJunit } from '../core/cases/junit.ts';
import type { CaseState } from '../core/cases/types.ts';
import { type Io, UsageError } from './io.ts';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:8080';

interface ReportItem {
  id: string;
  title: string;
  state: CaseState;
  reason: string | null;
}

interface Report {
  partner: string;
  passed: number;
  failed: number;
  waiting: number;
  notStarted: number;
  items: ReportItem[];
}

export interface CasesReportOptions {
  partner: string | undefined;
  url: string | undefined;
  junit: string | undefined;
  /** ADMIN_TOKEN, sent as a bearer token */
  token: string | undefined;
}

const LABELS: Record<CaseState, string> = { passed: 'passed', failed: 'FAILED', waiting: 'waiting', not_started: '-' };

function table(report: Report): string[] {
  const width = Math.max(...report.items.map((item) => item.id.length), 4);
  const lines = [`${'STATE'.padEnd(8)} ${'CASE'.padEnd(width)} RESULT`];
  for (const item of report.items) {
    const result = item.reason ?? (item.state === 'waiting' ? 'not passed yet' : item.state === 'not_started' ? 'not started' : '');
    lines.push(`${LABELS[item.state].padEnd(8)} ${item.id.padEnd(width)} ${result}`);
  }
  const total = report.items.length;
  lines.push('', `${report.partner}: ${report.passed} of ${total} passed, ${report.failed} failed, ${report.waiting} waiting, ${report.notStarted} not started`);
  return lines;
}

/** exit 0 only when at least one case was started and every started case passed; 1 otherwise (or when the mock cannot say) */
export async function casesReportCommand(io: Io, options: CasesReportOptions): Promise<number> {
  if (!options.partner) throw new UsageError('cases report needs --partner ID');
  let base: URL;
  try {
    base = new URL(options.url ?? DEFAULT_BASE_URL);
  } catch {
    throw new UsageError(`--url must be a URL such as ${DEFAULT_BASE_URL}, not "${options.url}"`);
  }
  const url = new URL(`${base.pathname.replace(/\/$/, '')}/api/cases/report`, base);
  url.searchParams.set('partner', options.partner);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) } });
  } catch (error) {
    io.err(`cannot reach the mock at ${base.origin}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
    return 1;
  }
  const body = (await response.json().catch(() => null)) as (Report & { errors?: Record<string, string> }) | null;
  if (!response.ok || !body || !Array.isArray(body.items)) {
    const why = body?.errors ? Object.entries(body.errors).map(([field, message]) => `${field} ${message}`).join('; ') : 'not a report';
    io.err(`${url.origin}${url.pathname} answered HTTP ${response.status}: ${why}${response.status === 401 ? ' (set ADMIN_TOKEN)' : ''}`);
    return 1;
  }
  for (const line of table(body)) io.out(line);
  if (options.junit) {
    await writeFile(options.junit, renderJunit(body.items));
    io.err(`JUnit written to ${options.junit}`);
  }
  const ok = reportPasses(body);
  if (!ok) io.err(body.passed + body.failed + body.waiting === 0 ? 'no case was started' : 'not every started case passed');
  return ok ? 0 : 1;
}
