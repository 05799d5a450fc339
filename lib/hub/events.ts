import type { WorkType } from './protocol.js';

/**
 * `accepted`: the result won a job (the engine's gate took it). `invalid`:
 * malformed, below the target, or for a root nobody asked for. `late`: for a
 * job already answered. `duplicate`: the same account again for the same root.
 */
export type ResultOutcome = 'accepted' | 'invalid' | 'late' | 'duplicate';
export const RESULT_OUTCOMES: readonly ResultOutcome[] = ['accepted', 'invalid', 'late', 'duplicate'];

/**
 * One counted worker result: everything a subscriber needs to count, show,
 * log or record it (the ledger keeps accepted, credited ones durably).
 */
export interface HubResultEvent {
  /** The hub backend's name. */
  readonly backend: string;
  /** The job's work type (not the topic the worker chose), or the topic's when no job is known. */
  readonly type: WorkType;
  readonly outcome: ResultOutcome;
  /** The payout account as the worker wrote it; absent when the result named none. */
  readonly account?: string;
  /** Whether `account` is an account of this network: only then is the result counted against the worker, and an accepted one credited (and told on `client/{account}`). */
  readonly accountValid: boolean;
  /** The root (upper-case) the result answers; absent when the result was too malformed to name one. */
  readonly root?: string;
  /** The difficulty the job asked for (the highest of the jobs on the root); absent when no job for the root is known. */
  readonly difficulty?: bigint;
  /** The work sent; absent when it was not readable. */
  readonly work?: bigint;
  /** Epoch ms when the hub counted it. */
  readonly at: number;
  /** From publishing the job to this result (accepted results only). */
  readonly seconds?: number;
  /** Why an invalid result was refused, in the hub's words (never worker text). */
  readonly reason?: string;
}

/** What the hub tells the telemetry stream (lib/telemetry), one payload per event. */
export interface HubEvents {
  readonly hubResult: HubResultEvent;
}
