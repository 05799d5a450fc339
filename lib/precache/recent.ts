/** A bounded set of recently seen keys: the oldest is forgotten first. */
export class RecentSet {
  readonly #keys = new Set<string>();
  constructor(readonly max: number) {}

  /** Adds `key`; false when it was already there. */
  add(key: string): boolean {
    if (this.#keys.has(key)) return false;
    this.#keys.add(key);
    if (this.#keys.size > this.max) {
      const oldest = this.#keys.values().next();
      if (!oldest.done) this.#keys.delete(oldest.value);
    }
    return true;
  }
}
