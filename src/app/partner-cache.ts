import type { Partner } from '../core/types.ts';
import type { PartnerStore } from '../store/partner-store.ts';

/** Partners held in memory: the gateway path never reads them from the database. */
export class PartnerCache {
  private partners = new Map<string, Partner>();

  constructor(private readonly store: PartnerStore) {}

  async reload(): Promise<void> {
    const list = await this.store.list();
    this.partners = new Map(list.map((p) => [p.id, p]));
  }

  get(id: string): Partner | undefined {
    return this.partners.get(id);
  }

  list(): Partner[] {
    return [...this.partners.values()];
  }

  /** a new partner, or a new key for one: its notification URL stays */
  async upsert(partner: Partner): Promise<void> {
    await this.store.upsert(partner);
    const known = this.partners.get(partner.id);
    this.partners.set(partner.id, { ...partner, notifyUrl: partner.notifyUrl ?? known?.notifyUrl ?? null });
  }

  async setNotifyUrl(id: string, notifyUrl: string | null): Promise<boolean> {
    if (!(await this.store.setNotifyUrl(id, notifyUrl))) return false;
    const known = this.partners.get(id);
    if (known) this.partners.set(id, { ...known, notifyUrl });
    return true;
  }

  async remove(id: string): Promise<boolean> {
    const removed = await this.store.delete(id);
    this.partners.delete(id);
    return removed;
  }
}
