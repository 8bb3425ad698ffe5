// One autocannon run; every answer is checked and the bad ones counted (a warm-up is a run of its own before it).
import autocannon from 'autocannon';
import { checkAnswer } from './requests.ts';

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** answers that were not 200 text/xml GBK with the expected result code, plus socket errors and timeouts */
  errors: number;
  requests: number;
  rssMb: number | null;
}

export interface LoadOptions {
  url: string;
  connections: number;
  seconds: number;
  /** the body of request number i (signed, built fresh) */
  body: (i: number) => string;
  resultCode: string;
  /** also each answer's time and latency, for `stalls()` (a timestamp a request in the load generator) */
  timeline?: Array<[atMs: number, latencyMs: number]>;
}

async function once(options: LoadOptions, seconds: number, next: () => number): Promise<Omit<Figures, 'rssMb'>> {
  let bad = 0;
  const { timeline } = options;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    timeout: 10,
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (req, context) => {
        if (timeline) (context as { sent?: number }).sent = performance.now();
        return { ...req, body: options.body(next()) };
      },
      onResponse: (status, body, context, headers) => {
        if (timeline) {
          const at = performance.now();
          timeline.push([at, at - ((context as { sent?: number }).sent ?? at)]);
        }
        // header names come as the server wrote them
        const found = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type');
        const contentType = found ? String(found[1]) : undefined;
        if (!checkAnswer(status, contentType, body, options.resultCode)) bad++;
      },
    }],
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: bad + result.errors + result.timeouts,
    requests: result.requests.total,
  };
}

/**
 * One run of `options.seconds`. A warm-up is a run of its own before it, given the same counter: request numbers go
 * on counting across both, so ids stay fresh.
 */
export async function measure(options: LoadOptions, counter = { i: 0 }): Promise<Omit<Figures, 'rssMb'>> {
  return once(options, options.seconds, () => counter.i++);
}

/**
 * Where the slow answers of a timeline were: its 100 ms windows, the slowest first. A stall (everything waiting on
 * one thing: a WAL segment being made, a GC) shows as a window of few answers and one slow maximum; a machine that
 * is merely busy spreads its p99 over every window.
 */
export function stalls(timeline: Array<[number, number]>, top = 8): string {
  if (timeline.length === 0) return 'no answers';
  const start = timeline[0]![0];
  const windows = new Map<number, number[]>();
  for (const [at, ms] of timeline) {
    const key = Math.floor((at - start) / 100);
    const list = windows.get(key);
    if (list) list.push(ms);
    else windows.set(key, [ms]);
  }
  const all = timeline.map(([, ms]) => ms).sort((a, b) => a - b);
  const p99 = all[Math.floor(0.99 * (all.length - 1))]!;
  const rows = [...windows].map(([key, list]) => {
    list.sort((a, b) => a - b);
    return { at: key / 10, answers: list.length, p50: list[Math.floor(list.length / 2)]!, max: list.at(-1)! };
  });
  const over = rows.filter((w) => w.max > 2 * p99).length;
  const slowest = [...rows].sort((a, b) => b.max - a.max).slice(0, top);
  const median = [...rows].sort((a, b) => a.answers - b.answers)[Math.floor(rows.length / 2)]!.answers;
  return [
    `${rows.length} windows of 100 ms (median ${median} answers each); ${over} with an answer slower than twice the run's p99 (${p99.toFixed(1)} ms). Slowest:`,
    ...slowest.map((w) => `  at ${w.at.toFixed(1)} s: ${w.answers} answers, p50 ${w.p50.toFixed(1)} ms, slowest ${w.max.toFixed(1)} ms`),
  ].join('\n');
}
