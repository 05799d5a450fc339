import type { EngineEvents } from '../engine/events.js';
import type { HubEvents } from '../hub/events.js';
import type { PrecacheEvents } from '../precache/events.js';
import type { RpcOutcome } from '../rpc/handler.js';
import { EventStream } from './stream.js';

/** What the HTTP front tells the stream: one per finished RPC request. */
export interface RpcEvents {
  readonly rpc: {
    /** A work action, an allowed action, or `other`: never client-chosen text. */
    readonly action: string;
    readonly outcome: RpcOutcome;
    readonly seconds: number;
    /** Where returned work came from: `cache` or a backend name. */
    readonly source?: string;
  };
}

/** Every event powgate's parts emit: engine (and the backend outcomes it sees), cache, precache, hub, HTTP. */
export type TelemetryEvents = EngineEvents & PrecacheEvents & HubEvents & RpcEvents;

/**
 * The one telemetry stream. The parts emit on it; figures, metrics, the
 * dashboard's history and logs subscribe. A new figure is one subscriber.
 */
export type Telemetry = EventStream<TelemetryEvents>;

export function createTelemetry(): Telemetry {
  return new EventStream<TelemetryEvents>();
}
