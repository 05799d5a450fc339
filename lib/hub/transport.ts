/**
 * How the hub reaches its workers: the embedded broker (in-process, no socket
 * for powgate itself) or an external MQTT broker through one client
 * connection. The hub backend sees only this.
 */
import type { StartLogger } from '../backends/types.js';

export type MessageHandler = (topic: string, payload: Buffer) => void;

export interface HubTransport {
  /** Where workers connect, as scheme://host:port: never credentials. */
  readonly label: string;
  readonly kind: 'embedded' | 'external';
  /** Whether a publish now reaches the broker. */
  connected(): boolean;
  /** Why it cannot connect, when known (a refused login); never a secret. */
  problem?(): string | undefined;
  /** Worker connections the broker holds; undefined when this side cannot see them (an external broker). */
  workers(): number | undefined;
  publish(topic: string, payload: string, qos: 0 | 1): void;
  /** Results and presences; set once, before `start`. */
  onMessage(handler: MessageHandler): void;
  /** Called when the connection to the broker is lost (external only). */
  onDown(handler: () => void): void;
  /** Resolves once listening (embedded) or first connected (external), or after `waitMs` for an external broker that is down. */
  start(waitMs: number, logger?: StartLogger): Promise<void>;
  close(): Promise<void>;
}
