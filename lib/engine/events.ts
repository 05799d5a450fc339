import type { BreakerState } from './breaker.js';

/**
 * `unsupported`: the backend cannot serve this target at all (DPoW above the Nano base, BoomPoW above 64x).
 * `circuit_open`: skipped because its circuit breaker is open. Neither reached the backend.
 */
export type BackendOutcome = 'won' | 'lost' | 'failed' | 'invalid' | 'unsupported' | 'circuit_open';
export type CacheOutcome = 'hit' | 'miss' | 'error';
export type JobOutcome = 'won' | 'failed' | 'cancelled' | 'timeout';
/** `demand`: a client is waiting. `precache`: work made ahead of time, which gives way to demand. */
export type Priority = 'demand' | 'precache';

/** What the engine tells the telemetry stream (lib/telemetry), one payload per event. */
export interface EngineEvents {
  /** One per client work_generate that reached the engine (precache lookups are not requests). */
  readonly request: { readonly root: string; readonly account?: string };
  /**
   * Hits and misses of client requests; `precached` when the hit was work a
   * precache job made. `error`: a cache or precache store operation failed
   * (reported by the composition root, read as a miss).
   */
  readonly cache: { readonly outcome: CacheOutcome; readonly error?: unknown; readonly precached?: boolean };
  readonly backend: { readonly backend: string; readonly tier: number; readonly outcome: BackendOutcome; readonly seconds: number; readonly error?: unknown };
  readonly job: {
    readonly phase: 'start' | 'end';
    readonly root: string;
    readonly target: bigint;
    readonly outcome?: JobOutcome;
    /** Backend that produced the work (won jobs). */
    readonly source?: string;
    /** From start to end (end events). */
    readonly seconds?: number;
    /** Why the job ran: `demand` once any client waited on it. */
    readonly priority?: Priority;
    /** Why a job ended without work (end events): the error, or who cancelled it. */
    readonly reason?: string;
  };
  /** A backend's circuit changed state: `open` means it is skipped for a cool-down. */
  readonly breaker: { readonly backend: string; readonly state: BreakerState; readonly from: BreakerState };
  /** An idle probe's verdict (lib/engine/prober.ts). */
  readonly probe: { readonly backend: string; readonly ok: boolean; readonly error?: unknown };
  /**
   * The number of jobs with a client waiting changed. Emitted before a new
   * demand job starts its backends, so precache work can step aside first.
   * Coordination, not a figure: the precache scheduler listens.
   */
  readonly demand: { readonly jobs: number };
}
