import WebSocket from 'ws';
import type { SignalLike } from '../net/abort.js';
import { type BackoffOptions, backoffDelay } from '../net/backoff.js';
import { abortError } from '../net/error-text.js';

export interface DpowSocketOptions {
  readonly url: string;
  readonly reconnect: BackoffOptions;
  /** Ping an idle socket this often (ms), to find connections that died silently. */
  readonly pingInterval: number;
  /** An idle socket whose ping is not answered within this long (ms) is dropped. */
  readonly pongTimeout: number;
  /** Called when the socket opens or drops, for status(). */
  readonly onChange?: () => void;
}

/** `connecting` only before the first open; a socket that has been lost is `reconnecting`. */
export type DpowSocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The socket went away with the request on it: the request has to go another way. */
export class SocketLostError extends Error {
  override readonly name = 'SocketLostError';
}

export type DpowReply = Record<string, unknown>;

interface Pending {
  readonly id: number;
  /** The caller gave up; the reply is still awaited, because the server answers in order. */
  orphan: boolean;
  settle(result: { reply: DpowReply } | { error: Error }): void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One persistent DPoW service websocket. The server handles a socket's
 * requests one at a time, so this carries at most one request: a second one
 * would wait behind the first on the server, invisible to us. A request whose
 * caller gives up keeps the socket busy until its reply arrives (or the socket
 * is dropped), so the next request never queues behind a stale one.
 */
export class DpowSocket {
  readonly #options: DpowSocketOptions;
  #ws: WebSocket | undefined;
  #state: DpowSocketState = 'connecting';
  #pending: Pending | undefined;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnects = 0;
  #pingTimer: NodeJS.Timeout | undefined;
  #pongTimer: NodeJS.Timeout | undefined;

  constructor(options: DpowSocketOptions) {
    this.#options = options;
    this.#connect();
  }

  /** Reconnect attempts so far (each connection tried after a socket was lost). */
  get reconnects(): number {
    return this.#reconnects;
  }

  get state(): DpowSocketState {
    return this.#state;
  }

  /** Open, with nothing outstanding: a request sent now is processed at once. */
  get idle(): boolean {
    return this.#state === 'open' && this.#pending === undefined && this.#ws?.readyState === WebSocket.OPEN;
  }

  /**
   * Sends one request frame and resolves with its reply. Rejects with
   * SocketLostError when the socket drops or misbehaves first, and with the
   * abort reason when `signal` aborts. `replyWithin` (ms) bounds the wait: a
   * socket that stays silent longer is presumed dead and dropped.
   */
  request(id: number, frame: string, signal: SignalLike, replyWithin: number): Promise<DpowReply> {
    const ws = this.#ws;
    if (!this.idle || ws === undefined) return Promise.reject(new SocketLostError('socket is not idle'));
    if (signal.aborted) return Promise.reject(abortError(signal));
    return new Promise<DpowReply>((resolve, reject) => {
      let settled = false;
      const onAbort = (): void => {
        pending.orphan = true;
        finish({ error: abortError(signal) });
      };
      const finish = (result: { reply: DpowReply } | { error: Error }): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        if ('reply' in result) resolve(result.reply);
        else reject(result.error);
      };
      const timer = setTimeout(() => this.#drop(ws, `no reply within ${replyWithin} ms`), replyWithin);
      timer.unref();
      const pending: Pending = { id, orphan: false, settle: finish, timer };
      this.#pending = pending;
      signal.addEventListener('abort', onAbort, { once: true });
      ws.send(frame, (err) => {
        if (err) this.#drop(ws, err.message);
      });
    });
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#reconnectTimer);
    this.#stopKeepalive();
    this.#failPending('backend closed');
    this.#ws?.terminate();
    this.#ws = undefined;
  }

  #connect(): void {
    const ws = new WebSocket(this.#options.url, { handshakeTimeout: 10_000, perMessageDeflate: false, maxPayload: 64 * 1024 });
    this.#ws = ws;
    ws.on('open', () => {
      if (this.#ws !== ws) return;
      this.#state = 'open';
      this.#attempt = 0;
      this.#startKeepalive(ws);
      this.#options.onChange?.();
    });
    ws.on('message', (data, isBinary) => {
      if (this.#ws !== ws) return;
      this.#alive();
      if (!isBinary) this.#onReply(ws, data.toString());
    });
    ws.on('pong', () => this.#alive());
    ws.on('ping', () => this.#alive());
    // 'close' always follows; the error itself only says why, and close handles it.
    ws.on('error', () => {});
    ws.on('close', () => this.#onClose(ws));
  }

  #onReply(ws: WebSocket, text: string): void {
    const pending = this.#pending;
    // Nothing asked: the server never speaks first, so there is nothing to match it to.
    if (pending === undefined) return;
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      this.#drop(ws, 'reply is not JSON');
      return;
    }
    if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) {
      this.#drop(ws, 'reply is not an object');
      return;
    }
    // Replies come in order, one per request; `id` is the cross-check. Errors
    // raised before the server reads `id` carry none. Any other id means the
    // two sides disagree about what is outstanding: the socket cannot be trusted.
    const id = (reply as DpowReply).id;
    if (id !== undefined && id !== pending.id) {
      this.#drop(ws, `reply id ${JSON.stringify(id)} does not match request id ${pending.id}`);
      return;
    }
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (!pending.orphan) pending.settle({ reply: reply as DpowReply });
  }

  /** Drops a socket that misbehaved; close() then reconnects it. */
  #drop(ws: WebSocket, reason: string): void {
    if (this.#ws !== ws) return;
    if (this.#state === 'open') this.#state = 'reconnecting';
    this.#failPending(`socket dropped: ${reason}`);
    ws.terminate();
  }

  #onClose(ws: WebSocket): void {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    this.#stopKeepalive();
    this.#failPending('socket closed');
    if (this.#state === 'closed') return;
    this.#state = 'reconnecting';
    this.#options.onChange?.();
    const delay = backoffDelay(this.#attempt++, this.#options.reconnect);
    this.#reconnectTimer = setTimeout(() => {
      if (this.#state === 'closed') return;
      this.#reconnects++;
      this.#connect();
    }, delay);
    this.#reconnectTimer.unref();
  }

  #failPending(reason: string): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    clearTimeout(pending.timer);
    pending.settle({ error: new SocketLostError(reason) });
  }

  // Keepalive. The server answers a ping only between requests, so a ping is
  // sent only while idle and a missing pong counts only if the socket stayed
  // idle: a request in flight has its own reply deadline instead. Any frame
  // from the server proves the socket alive.

  #startKeepalive(ws: WebSocket): void {
    this.#pingTimer = setInterval(() => {
      if (this.#pending !== undefined || this.#pongTimer !== undefined) return;
      ws.ping();
      this.#pongTimer = setTimeout(() => {
        this.#pongTimer = undefined;
        if (this.#pending === undefined) this.#drop(ws, `no pong within ${this.#options.pongTimeout} ms`);
      }, this.#options.pongTimeout);
      this.#pongTimer.unref();
    }, this.#options.pingInterval);
    this.#pingTimer.unref();
  }

  #alive(): void {
    clearTimeout(this.#pongTimer);
    this.#pongTimer = undefined;
  }

  #stopKeepalive(): void {
    clearInterval(this.#pingTimer);
    this.#alive();
  }
}
