import { EventEmitter } from 'node:events';

export type Trigger = 'websocket' | 'callback';
/**
 * `new`: it moved a tracked chain or sends to a tracked account; `duplicate`:
 * seen before; `old`: older than what is known; `ignored`: nothing tracked, or
 * an order that could not be checked; `unverified`: a callback nobody vouched
 * for that the node did not confirm (or could not be asked about).
 */
export type ConfirmationOutcome = 'new' | 'duplicate' | 'old' | 'ignored' | 'unverified';
/** `skipped`: another powgate instance holds the root's lock. */
export type TaskOutcome = 'queued' | 'done' | 'failed' | 'dropped' | 'skipped';
export type SocketState = 'off' | 'connecting' | 'connected' | 'disconnected';

export interface PrecacheEvents {
  confirmation: [{ trigger: Trigger; outcome: ConfirmationOutcome }];
  task: [{ outcome: TaskOutcome }];
  websocket: [{ state: SocketState; error?: string }];
  /** A websocket message that was not JSON, or a confirmation that was not a block. */
  malformed: [{ trigger: Trigger }];
  forward: [{ url: string; outcome: 'ok' | 'failed' | 'dropped'; error?: string }];
}

/** Precache's typed event bus: metrics, logs and the status counters subscribe to it. */
export class PrecacheEmitter extends EventEmitter<PrecacheEvents> {}
