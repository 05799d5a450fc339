import { EventEmitter } from 'node:events';

export type BackendOutcome = 'won' | 'lost' | 'failed' | 'invalid' | 'skipped';
export type CacheOutcome = 'hit' | 'miss' | 'error';

export interface EngineEvents {
  cache: [{ outcome: CacheOutcome; error?: unknown }];
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
    },
  ];
  breaker: [{ backend: string; state: string }];
}

/** The engine's typed event bus; metrics, logs and the dashboard subscribe to it. */
export class EngineEmitter extends EventEmitter<EngineEvents> {}
