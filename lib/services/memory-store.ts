import { ServiceExistsError, type ServicePatch, type ServiceRecord, type ServiceStore, type StoredService, type UsageDelta, type UsageRow } from './types.js';

/**
 * A ServiceStore in this process only: what powgate uses when no ledger
 * database is configured (services then come from the config file alone), and
 * the reference the SQL store's tests are held against.
 */
export class MemoryServiceStore implements ServiceStore {
  readonly #services = new Map<string, ServiceRecord>();
  /** `service day` -> row. */
  readonly #usage = new Map<string, UsageRow>();

  async load(day: string): Promise<StoredService[]> {
    return [...this.#services.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((s) => ({ ...s, usedToday: this.#usage.get(`${s.name} ${day}`)?.charged ?? 0 }));
  }

  async add(record: ServiceRecord): Promise<void> {
    if (this.#services.has(record.name)) throw new ServiceExistsError(record.name);
    this.#services.set(record.name, { ...record });
  }

  async update(name: string, patch: ServicePatch): Promise<boolean> {
    const current = this.#services.get(name);
    if (current === undefined) return false;
    const next: Record<string, unknown> = { ...current };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (value === null) delete next[key];
      else next[key] = value;
    }
    this.#services.set(name, next as unknown as ServiceRecord);
    return true;
  }

  async addCredits(name: string, n: number): Promise<boolean> {
    const service = this.#services.get(name);
    if (service?.credits === undefined) return false;
    this.#services.set(name, { ...service, credits: service.credits + n });
    return true;
  }

  async remove(name: string): Promise<boolean> {
    return this.#services.delete(name);
  }

  async record(deltas: readonly UsageDelta[]): Promise<void> {
    for (const d of deltas) {
      const key = `${d.service} ${d.day}`;
      const row = this.#usage.get(key) ?? { service: d.service, day: d.day, requests: 0, refused: 0, works: {}, precacheHits: 0, charged: 0 };
      const works: Record<string, number> = { ...row.works };
      for (const [source, n] of Object.entries(d.works)) works[source] = (works[source] ?? 0) + n;
      this.#usage.set(key, {
        ...row,
        requests: row.requests + d.requests,
        refused: row.refused + d.refused,
        works,
        precacheHits: row.precacheHits + d.precacheHits,
        charged: row.charged + d.charged,
      });
      const service = this.#services.get(d.service);
      if (service?.credits !== undefined && d.charged > 0) this.#services.set(d.service, { ...service, credits: service.credits - d.charged });
    }
  }

  async totals(): Promise<Map<string, Map<string, number>>> {
    const out = new Map<string, Map<string, number>>();
    for (const row of this.#usage.values()) {
      let bySource = out.get(row.service);
      if (bySource === undefined) out.set(row.service, (bySource = new Map()));
      for (const [source, n] of Object.entries(row.works)) bySource.set(source, (bySource.get(source) ?? 0) + n);
    }
    return out;
  }

  async charged(day: string): Promise<Map<string, number>> {
    return new Map([...this.#usage.values()].filter((r) => r.day === day).map((r) => [r.service, r.charged]));
  }

  async usage(options: { service?: string; from?: string; to?: string; limit?: number } = {}): Promise<UsageRow[]> {
    return [...this.#usage.values()]
      .filter(
        (r) =>
          (options.service === undefined || r.service === options.service) &&
          (options.from === undefined || r.day >= options.from) &&
          (options.to === undefined || r.day <= options.to),
      )
      .sort((a, b) => (a.day === b.day ? a.service.localeCompare(b.service) : a.day < b.day ? 1 : -1))
      .slice(0, options.limit ?? 1000);
  }

  async close(): Promise<void> {}
}
