import type { Partner } from '../core/types.ts';
import type { Store } from '../store/store.ts';

/** Partners held in memory: the gateway path never reads them from the database. */
export class PartnerCache {
  private partners = new Map<string, Partner>();

  constructor(private readonly store: Store) {}

  async reload(): Promise<void> {
    const list = await this.store.listPartners();
    this.partners = new Map(list.map((p) => [p.id, p]));
  }

  get(id: string): Partner | undefined {
    return this.partners.get(id);
  }

  list(): Partner[] {
    return [...this.partners.values()];
  }

  async upsert(partner: Partner): Promise<void> {
    await this.store.upsertPartner(partner);
    this.partners.set(partner.id, partner);
  }
}
