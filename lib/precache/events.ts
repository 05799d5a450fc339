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
export type ForwardOutcome = 'ok' | 'failed' | 'dropped';

/** What precache tells the telemetry stream (lib/telemetry). */
export interface PrecacheEvents {
  readonly confirmation: { readonly trigger: Trigger; readonly outcome: ConfirmationOutcome };
  readonly task: { readonly outcome: TaskOutcome };
  /** `accounts`: how many the subscription carries, when connected. */
  readonly websocket: { readonly state: SocketState; readonly error?: string; readonly accounts?: number };
  /** A websocket message that was not JSON, or a confirmation that was not a block. */
  readonly malformed: { readonly trigger: Trigger };
  readonly forward: { readonly url: string; readonly outcome: ForwardOutcome; readonly error?: string };
}
