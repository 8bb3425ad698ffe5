/** The time the gateway lives by. Each partner can be moved ahead of real time (POST /api/clock). */
export interface Clock {
  now(partner?: string | null): Date;
}

/** Real time plus a per-partner offset; the offsets live in the database and are loaded here. */
export class OffsetClock implements Clock {
  private offsets = new Map<string, number>();

  constructor(private readonly realNow: () => number = Date.now) {}

  now(partner?: string | null): Date {
    const offset = partner ? (this.offsets.get(partner) ?? 0) : 0;
    return new Date(this.realNow() + offset);
  }

  offset(partner: string): number {
    return this.offsets.get(partner) ?? 0;
  }

  load(offsets: Map<string, number>): void {
    this.offsets = new Map(offsets);
  }

  set(partner: string, offsetMs: number | null): void {
    if (offsetMs === null || offsetMs === 0) this.offsets.delete(partner);
    else this.offsets.set(partner, offsetMs);
  }

  /** real time, for the request log */
  real(): Date {
    return new Date(this.realNow());
  }
}
