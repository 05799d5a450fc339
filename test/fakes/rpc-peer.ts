import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatWorkHex, hexToBytes, parseWorkHex, workValue } from '../../lib/pow/index.js';

/**
 * A node-RPC work peer on loopback (nano-work-server / node shaped). Each
 * behaviour is one quirk a real peer shows: latency, errors, HTTP 400 bodies,
 * invalid work, silence until cancelled, connection resets, garbage, and a
 * careless proxy that echoes the request line and Authorization header in its error.
 */
export type PeerMode = 'valid' | 'invalid' | 'error' | 'http400' | 'hang' | 'reset' | 'garbage' | 'zero' | 'echo';

export interface PeerBehaviour {
  mode: PeerMode;
  /** Answer after this many ms (cancel and disconnect still cut it short). */
  delay: number;
}

export interface PeerCall {
  readonly action: string;
  readonly body: Record<string, unknown>;
  readonly headers: http.IncomingHttpHeaders;
}

export class FakeRpcPeer {
  readonly #arrivals = new Set<() => void>();
  readonly calls: PeerCall[] = [];
  /** Roots of work_generate requests whose client closed the connection before the answer. */
  readonly disconnects: string[] = [];
  behaviour: PeerBehaviour = { mode: 'valid', delay: 0 };
  /** Precomputed work by upper-case root, answered in `valid` mode for difficulties too high to search here. */
  readonly works = new Map<string, bigint>();
  #server = http.createServer((req, res) => void this.#handle(req, res));
  #pending = new Map<string, Set<() => void>>();
  url = '';

  /** Listens on `port` (default: any free one); a peer that "comes back" starts on the port of the one that died. */
  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', resolve);
    });
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  behave(mode: PeerMode, delay = 0): this {
    this.behaviour = { mode, delay };
    return this;
  }

  generates(): PeerCall[] {
    return this.calls.filter((c) => c.action === 'work_generate');
  }

  cancels(): PeerCall[] {
    return this.calls.filter((c) => c.action === 'work_cancel');
  }

  /**
   * Resolves once `count` calls of `action` have arrived: on the arrival itself,
   * never on a clock, so a loaded machine cannot fail it (the test's own
   * timeout bounds it).
   */
  waitFor(action: string, count = 1): Promise<void> {
    const seen = (): boolean => this.calls.filter((c) => c.action === action).length >= count;
    if (seen()) return Promise.resolve();
    return new Promise((resolve) => {
      const onCall = (): void => {
        if (!seen()) return;
        this.#arrivals.delete(onCall);
        resolve();
      };
      this.#arrivals.add(onCall);
    });
  }

  async close(): Promise<void> {
    for (const set of this.#pending.values()) for (const wake of set) wake();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"Failed to deserialize JSON","hint":"x"}');
      return;
    }
    const action = String(body.action);
    this.calls.push({ action, body, headers: req.headers });
    for (const onCall of [...this.#arrivals]) onCall();
    const root = String(body.hash ?? '').toUpperCase();
    if (action === 'work_cancel') {
      for (const wake of this.#pending.get(root) ?? []) wake();
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    if (action === 'work_validate') {
      // A hung peer hangs here too; otherwise the node's answer (spec node-rpc.md §2), enough for probes.
      if (this.behaviour.mode === 'hang') return;
      const work = parseWorkHex(String(body.work ?? '0')) ?? 0n;
      const value = workValue(hexToBytes(root), work);
      const text = JSON.stringify({
        valid_all: value >= 0xfffffff800000000n ? '1' : '0',
        valid_receive: value >= 0xfffffe0000000000n ? '1' : '0',
        difficulty: formatWorkHex(value),
      });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      return;
    }
    if (action !== 'work_generate') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":"Unknown command"}');
      return;
    }
    const { mode, delay } = this.behaviour;
    const cancelled = await this.#wait(root, mode === 'hang' ? Infinity : delay, res);
    if (res.destroyed || res.writableEnded) {
      this.disconnects.push(root);
      return;
    }
    if (cancelled) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"error":"Cancelled"}');
      return;
    }
    const difficulty = parseWorkHex(String(body.difficulty ?? 'ffffffc000000000')) ?? 0n;
    const send = (status: number, text: string): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    switch (mode) {
      case 'valid': {
        const work = this.works.get(root) ?? findWork(root, difficulty);
        const value = workValue(hexToBytes(root), work);
        return send(200, JSON.stringify({ work: formatWorkHex(work), difficulty: value.toString(16), multiplier: '1' }));
      }
      case 'invalid':
        return send(200, JSON.stringify({ work: formatWorkHex(findWork(root, difficulty, true)) }));
      case 'zero':
        return send(200, JSON.stringify({ work: '0' }));
      case 'error':
        return send(200, JSON.stringify({ error: 'Cancelled' }));
      case 'echo':
        return send(200, JSON.stringify({ error: `Forbidden: POST ${req.url} with Authorization: ${req.headers.authorization ?? 'none'}` }));
      case 'http400':
        return send(400, JSON.stringify({ error: 'Bad block hash', hint: 'Expecting a hex string' }));
      case 'garbage':
        return send(200, '<html>502 Bad Gateway</html>');
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return send(200, '{"error":"Cancelled"}');
    }
  }

  /** Waits `ms`, or until a work_cancel for the root or the client hanging up. True when cancelled. */
  #wait(root: string, ms: number, res: http.ServerResponse): Promise<boolean> {
    if (ms === 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let set = this.#pending.get(root);
      if (set === undefined) this.#pending.set(root, (set = new Set()));
      const done = (cancelled: boolean): void => {
        clearTimeout(timer);
        set.delete(wake);
        res.off('close', onClose);
        if (set.size === 0) this.#pending.delete(root);
        resolve(cancelled);
      };
      const wake = (): void => done(true);
      const onClose = (): void => done(false);
      const timer = Number.isFinite(ms) ? setTimeout(() => done(false), ms) : undefined;
      set.add(wake);
      res.once('close', onClose);
    });
  }
}

/** Work for `root` at `difficulty` (or, with `below`, a nonce that misses it). Dev-network difficulties only. */
export function findWork(root: string, difficulty: bigint, below = false): bigint {
  const bytes = hexToBytes(root);
  let nonce = BigInt(Math.floor(Math.random() * 2 ** 48));
  for (let i = 0; i < 5_000_000; i++, nonce++) {
    const meets = workValue(bytes, nonce) >= difficulty;
    if (meets !== below) return nonce;
  }
  throw new Error(`fake peer: no work found for ${difficulty.toString(16)}`);
}
