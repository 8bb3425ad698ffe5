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
}

async function once(options: LoadOptions, seconds: number, next: () => number): Promise<Omit<Figures, 'rssMb'>> {
  let bad = 0;
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: seconds,
    timeout: 10,
    requests: [{
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      setupRequest: (req) => ({ ...req, body: options.body(next()) }),
      onResponse: (status, body, _context, headers) => {
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
