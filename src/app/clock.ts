/** The time the gateway lives by. Each partner can be moved ahead of real time (POST /api/clock). */
export interface Clock {
  now(partner?: string | null): Date;
}

/** Real time plus a per-partner offset. */
export class OffsetClock implements Clock {
  private readonly offsets = new Map<string, number>();

  constructor(private readonly realNow: () => number = Date.now) {}

  now(partner?: string | null): Date {
    const offset = partner ? (this.offsets.get(partner) ?? 0) : 0;
    return new Date(this.realNow() + offset);
  }

  advance(partner: string, seconds: number): Date {
    this.offsets.set(partner, (this.offsets.get(partner) ?? 0) + seconds * 1000);
    return this.now(partner);
  }

  reset(partner: string): Date {
    this.offsets.delete(partner);
    return this.now(partner);
  }

  /** real time, for the request log */
  real(): Date {
    return new Date(this.realNow());
  }
}
