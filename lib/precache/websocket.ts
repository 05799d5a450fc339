import WebSocket from 'ws';
import { backoffDelay } from '../net/backoff.js';
import { scrubText, urlSecrets } from '../secrets.js';
import type { Telemetry } from '../telemetry/events.js';
import type { SocketState } from './events.js';

/** Largest websocket message taken from the node; a larger frame closes the socket (and it reconnects). */
const MAX_MESSAGE = 1 << 20;

export interface NodeSocketOptions {
  readonly url: string;
  /** The tracked set, read at every (re)subscription. */
  readonly accounts: () => readonly string[];
  /** The `message` of each confirmation. */
  readonly onConfirmation: (message: unknown) => void;
  readonly reconnectDelay: number;
  readonly maxReconnectDelay: number;
  readonly pingInterval: number;
  readonly events: Telemetry;
  readonly random?: () => number;
}

type Outgoing =
  | { action: 'subscribe'; topic: 'confirmation'; ack: true; options: SubscribeOptions }
  | { action: 'update'; topic: 'confirmation'; ack: true; options: { accounts_add: string[]; accounts_del: string[] } }
  | { action: 'ping' };

interface SubscribeOptions {
  /** Always present: without it (`options: {}`) the node sends every confirmation on the network. */
  accounts: string[];
  include_block: true;
  include_sideband_info: true;
  confirmation_type: 'all';
}

/**
 * The node websocket client for the `confirmation` topic, filtered to the
 * tracked accounts (spec node-rpc.md §5). Every subscribe, update and ping asks
 * for an ack; one missing within the deadline means the node stopped reading
 * us (it does after any malformed JSON) or the link is dead, and the socket is
 * replaced. Reconnects back off exponentially with jitter and resubscribe with
 * the set as it is then. Nothing a node sends can throw out of here.
 */
export class NodeSocket {
  #state: SocketState = 'off';
  #ws: WebSocket | undefined;
  #attempt = 0;
  #seq = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  /** Acks awaited, by id. */
  readonly #acks = new Map<string, { timer: NodeJS.Timeout; onAck: () => void }>();
  readonly #adds = new Set<string>();
  readonly #dels = new Set<string>();
  #flushScheduled = false;
  #closed = false;
  readonly #options: NodeSocketOptions;
  readonly #ackTimeout: number;

  constructor(options: NodeSocketOptions) {
    this.#options = options;
    this.#ackTimeout = Math.min(options.pingInterval, 10_000);
  }

  get state(): SocketState {
    return this.#state;
  }

  start(): void {
    if (this.#closed || this.#ws !== undefined) return;
    this.#connect();
  }

  /** The tracked set changed: the node's filter follows with one `update`. */
  accountsChanged(added: readonly string[], removed: readonly string[]): void {
    for (const account of added) if (!this.#dels.delete(account)) this.#adds.add(account);
    for (const account of removed) if (!this.#adds.delete(account)) this.#dels.add(account);
    if (this.#state === 'connected' && !this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const ws = this.#ws;
    this.#down();
    ws?.terminate();
    this.#setState('off');
  }

  #connect(): void {
    this.#setState('connecting');
    // A confirmation with its block is a few KB: a frame far past that is not the node's (ws's default is 100 MiB).
    const ws = new WebSocket(this.#options.url, { handshakeTimeout: this.#ackTimeout, perMessageDeflate: false, maxPayload: MAX_MESSAGE });
    this.#ws = ws;
    ws.on('open', () => this.#subscribe(ws));
    ws.on('message', (data: WebSocket.RawData) => this.#onMessage(ws, data));
    ws.on('error', (err: Error) => {
      if (ws === this.#ws)
        this.#options.events.emit('websocket', { state: this.#state, error: scrubText(err.message, { secrets: urlSecrets(new URL(this.#options.url)) }) });
    });
    ws.on('close', () => this.#onClose(ws));
  }

  #subscribe(ws: WebSocket): void {
    // The subscription carries the whole set as it is now; changes from here on go in updates.
    this.#adds.clear();
    this.#dels.clear();
    const options: SubscribeOptions = {
      accounts: [...this.#options.accounts()],
      include_block: true,
      include_sideband_info: true,
      confirmation_type: 'all',
    };
    this.#request(ws, { action: 'subscribe', topic: 'confirmation', ack: true, options }, () => {
      this.#attempt = 0;
      this.#setState('connected');
      this.#pingTimer = setInterval(() => this.#ping(ws), this.#options.pingInterval);
      this.#pingTimer.unref();
      if (this.#adds.size > 0 || this.#dels.size > 0) this.#flush();
    });
  }

  #flush(): void {
    this.#flushScheduled = false;
    const ws = this.#ws;
    if (ws === undefined || this.#state !== 'connected' || (this.#adds.size === 0 && this.#dels.size === 0)) return;
    const options = { accounts_add: [...this.#adds], accounts_del: [...this.#dels] };
    this.#adds.clear();
    this.#dels.clear();
    this.#request(ws, { action: 'update', topic: 'confirmation', ack: true, options }, () => {});
  }

  #ping(ws: WebSocket): void {
    // A ping still unanswered after its deadline has already replaced the socket.
    this.#request(ws, { action: 'ping' }, () => {});
  }

  /** Sends with an id and expects the ack carrying it in time; otherwise the socket is replaced. */
  #request(ws: WebSocket, message: Outgoing, onAck: () => void): void {
    if (ws !== this.#ws || ws.readyState !== WebSocket.OPEN) return;
    const id = String(++this.#seq);
    const timer = setTimeout(() => {
      this.#acks.delete(id);
      if (ws === this.#ws) {
        this.#options.events.emit('websocket', { state: this.#state, error: `no ack for ${message.action} within ${this.#ackTimeout} ms` });
        ws.terminate();
      }
    }, this.#ackTimeout);
    timer.unref();
    this.#acks.set(id, { timer, onAck });
    ws.send(JSON.stringify({ ...message, id }));
  }

  #onMessage(ws: WebSocket, data: WebSocket.RawData): void {
    if (ws !== this.#ws) return;
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      this.#options.events.emit('malformed', { trigger: 'websocket' });
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const fields = message as Record<string, unknown>;
    if (typeof fields.ack === 'string') {
      const id = typeof fields.id === 'string' ? fields.id : undefined;
      const waiting = id === undefined ? undefined : this.#acks.get(id);
      if (id !== undefined && waiting !== undefined) {
        clearTimeout(waiting.timer);
        this.#acks.delete(id);
        waiting.onAck();
      }
    } else if (fields.topic === 'confirmation') {
      try {
        this.#options.onConfirmation(fields.message);
      } catch {
        this.#options.events.emit('malformed', { trigger: 'websocket' });
      }
    }
  }

  #onClose(ws: WebSocket): void {
    if (ws !== this.#ws) return;
    this.#down();
    if (this.#closed) return;
    this.#setState('disconnected');
    const { reconnectDelay, maxReconnectDelay, random } = this.#options;
    const delay = backoffDelay(this.#attempt++, { base: reconnectDelay, max: maxReconnectDelay }, random);
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    this.#reconnectTimer.unref();
  }

  #down(): void {
    this.#ws = undefined;
    clearInterval(this.#pingTimer);
    for (const { timer } of this.#acks.values()) clearTimeout(timer);
    this.#acks.clear();
  }

  #setState(state: SocketState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#options.events.emit('websocket', state === 'connected' ? { state, accounts: this.#options.accounts().length } : { state });
  }
}
