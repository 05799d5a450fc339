/** Decides which of several powgate instances precaches a root. */
export interface RootLock {
  /** True when this instance should generate `root` (holding it for `ms`). */
  acquire(root: string, ms: number): Promise<boolean>;
}

/** One instance (memory cache): nothing to coordinate. */
export const NO_LOCK: RootLock = { acquire: async () => true };
