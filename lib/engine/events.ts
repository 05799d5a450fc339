import { EventEmitter } from 'node:events';

export type BackendOutcome = 'won' | 'lost' | 'failed' | 'invalid' | 'skipped';
export type CacheOutcome = 'hit' | 'miss' | 'error';
/** `demand`: a client is waiting. `precache`: work made ahead of time, which gives way to demand. */
export type Priority = 'demand' | 'precache';

export interface EngineEvents {
  /** One per client work_generate that reached the engine (precache lookups are not requests). */
  request: [{ root: string; account?: string }];
  /** Hits and misses of client requests; `precached` when the hit was work a precache job made. */
  cache: [{ outcome: CacheOutcome; error?: unknown; precached?: boolean }];
  backend: [{ backend: string; tier: number; outcome: BackendOutcome; seconds: number; error?: unknown }];
  job: [
    {
      phase: 'start' | 'end';
      root: string;
      target: bigint;
      outcome?: 'won' | 'failed' | 'cancelled' | 'timeout';
      /** Backend that produced the work (won jobs). */
      source?: string;
      /** From start to end (end events). */
      seconds?: number;
      /** Why the job ran: `demand` once any client waited on it. */
      priority?: Priority;
    },
  ];
  breaker: [{ backend: string; state: string }];
  /**
   * The number of jobs with a client waiting changed. Emitted before a new
   * demand job starts its backends, so precache work can step aside first.
   */
  demand: [{ jobs: number }];
}

/** The engine's typed event bus; metrics, logs and the dashboard subscribe to it. */
export class EngineEmitter extends EventEmitter<EngineEvents> {}
