import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

// Random bytes drawn from a pool refilled 256 ids at a time: uuid's own source asks the system for 16 bytes per id,
// which cost ~4% of a rule-answered request's time (bench:profile).
const pool = Buffer.alloc(4096);
let used = pool.length;

function random16(): Buffer {
  if (used + 16 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.subarray(used - 16, used);
}

// uuid's monotonic state, kept here because its random bytes come from the pool: within one millisecond the
// counter goes up by one from a random start; when it wraps, the time moves on by a millisecond.
let lastMs = -Infinity;
let seq = 0;

/**
 * A time-ordered id (UUIDv7, monotonic within the process): the request log and the notifications are listed by
 * (time, id), and the mock's clock may stand still (createMock({ now })), so the id keeps the order of arrival
 * among entries of one instant. A case run's start is such an id too: what comes after it is the run's traffic.
 */
export function timeOrderedId(): string {
  const random = random16();
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // 31 bits, the top one clear, so that the counter has room to go up within the millisecond
    seq = random.readUInt32BE(6) & 0x7fffffff;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs += 1;
  }
  return v7({ msecs: lastMs, seq, random });
}

/** `count` random decimal digits (count ≤ 18): a fresh alipay_trans_id's tail, from the same pool. */
export function randomDigits(count: number): string {
  if (count > 18) throw new Error('randomDigits: at most 18');
  // two draws of 9 digits in plain numbers (a 64-bit BigInt modulo cost ~1 µs a pay); 2^32 is not a multiple of
  // 10^9, so a half below 294,967,296 is drawn 5 times in 4 as often as one above: harmless for a mock's ids
  const random = random16();
  const half = (at: number) => String(random.readUInt32BE(at) % 1_000_000_000).padStart(9, '0');
  return (half(0) + half(4)).slice(18 - count);
}
