import type { SignalLike } from '../net/abort.js';

/**
 * One upstream job per root across powgate instances. Inside one instance the
 * WorkService already joins identical requests; a coordinator extends that to
 * every instance on a shared store: the first to claim a root leads (runs the
 * chain), the others follow (wait for the leader's result) and take over when
 * the leader goes away. Without a shared store every instance leads alone.
 *
 * A coordinator never fails a request: any trouble with the store makes the
 * caller lead, which is what a single instance does anyway.
 */
export interface JobCoordinator {
  /** Claims `root` at `target` for this instance. */
  claim(root: string, target: bigint): Promise<Claim>;
  close(): Promise<void>;
}

export type Claim = LeadClaim | FollowClaim;

export interface LeadClaim {
  readonly role: 'lead';
  /** Another instance asked for a higher target than this job runs at. */
  onRaise(listener: (target: bigint) => void): void;
  /** The job now runs at `target` (raised here or elsewhere). */
  raised(target: bigint): void;
  /** Tells followers the result (after it is in the shared cache) and releases the root. */
  publish(work: bigint, value: bigint): Promise<void>;
  /** Releases the root without a result (failed or cancelled job): a follower takes over at once. */
  release(): void;
}

export interface FollowClaim {
  readonly role: 'follow';
  /**
   * Resolves with the leader's result once it reaches `target()` (read at each
   * check, so a raised job is waited for at its new target), or `takeover`
   * when the leader is gone or the store is away: the caller then claims again.
   * An aborted `signal` resolves `takeover` too (the caller is leaving).
   */
  wait(target: () => bigint, signal: SignalLike): Promise<FollowResult>;
  /** Asks the leader to raise its job to `target`. */
  raise(target: bigint): void;
}

export type FollowResult = { readonly work: bigint; readonly value: bigint } | 'takeover';

const SOLO_LEAD: LeadClaim = {
  role: 'lead',
  onRaise() {},
  raised() {},
  publish: async () => {},
  release() {},
};

/** One instance, or a store that cannot coordinate: always lead. */
export const SOLO: JobCoordinator = {
  claim: async () => SOLO_LEAD,
  close: async () => {},
};
