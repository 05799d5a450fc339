import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A node's wallet RPC `send`, as the node answers it: wallet, source,
 * destination, amount (raw, decimal) and an optional `id`. A repeated `id`
 * is the same send: the node answers with the block it made the first time
 * and debits nothing more. Errors are node-style `{"error": …}` with HTTP 200.
 * Can fail the n-th send (`failAt`), or make a send and then drop the
 * connection before answering (`dropAnswerAt`): the node paid, the caller
 * never heard.
 */
export class FakeNodeWallet {
  url = '';
  readonly wallet: string;
  readonly source: string;
  balance: bigint;
  /** Every send the node made, in order (repeats by id are not sends). */
  readonly sends: Array<{ destination: string; amount: bigint; id?: string; block: string }> = [];
  /** Every `send` request received, made or not. */
  requests = 0;
  /** 1-based: the n-th request answers an error instead of sending. */
  failAt: number | undefined;
  /** 1-based: the n-th request sends, then the connection is dropped unanswered. */
  dropAnswerAt: number | undefined;
  readonly #byId = new Map<string, string>();
  readonly #server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (body: object): void => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify(body, null, 4)}\n`);
      };
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        answer({ error: 'Unable to parse JSON' });
        return;
      }
      if (msg.action !== 'send') return answer({ error: 'Unknown command' });
      this.requests++;
      if (msg.wallet !== this.wallet) return answer({ error: 'Wallet not found' });
      if (msg.source !== this.source) return answer({ error: 'Account not found in wallet' });
      if (typeof msg.destination !== 'string' || !/^(nano|xrb|ban)_[13][13456789abcdefghijkmnopqrstuwxyz]{59}$/.test(msg.destination)) {
        return answer({ error: 'Bad destination account' });
      }
      if (typeof msg.amount !== 'string' || !/^\d+$/.test(msg.amount)) return answer({ error: 'Bad amount number' });
      const id = typeof msg.id === 'string' ? msg.id : undefined;
      if (this.failAt === this.requests) return answer({ error: 'Insufficient balance' });
      if (id !== undefined) {
        const seen = this.#byId.get(id);
        if (seen !== undefined) return answer({ block: seen });
      }
      const amount = BigInt(msg.amount);
      if (amount > this.balance) return answer({ error: 'Insufficient balance' });
      this.balance -= amount;
      const block = createHash('sha256').update(`${this.sends.length}:${msg.destination}:${msg.amount}`).digest('hex').toUpperCase();
      this.sends.push({ destination: msg.destination, amount, block, ...(id === undefined ? {} : { id }) });
      if (id !== undefined) this.#byId.set(id, block);
      if (this.dropAnswerAt === this.requests) {
        req.socket.destroy();
        return;
      }
      answer({ block });
    });
  });

  constructor(options: { wallet: string; source: string; balance: bigint }) {
    this.wallet = options.wallet;
    this.source = options.source;
    this.balance = options.balance;
  }

  /** Raw sent to each destination. */
  paid(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    for (const s of this.sends) out.set(s.destination, (out.get(s.destination) ?? 0n) + s.amount);
    return out;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
