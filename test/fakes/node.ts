import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { bytesToHex, decodeAccount, encodeAccount } from '../../lib/pow/index.js';

const PREFIXES = ['nano_', 'xrb_'];
const TOPICS = new Set(['confirmation', 'started_election', 'stopped_election', 'vote', 'ack', 'work', 'bootstrap', 'telemetry', 'new_unconfirmed_block']);
const ZERO = '0'.repeat(64);

export interface FakeBlock {
  readonly account: string;
  readonly hash: string;
  readonly previous: string;
  readonly height: number;
  readonly subtype: 'send' | 'receive' | 'change' | 'epoch';
  /** link as an account: the destination of a send, otherwise the link read as a key. */
  readonly linkAsAccount: string;
}

interface ConfirmationOptions {
  /** null: no account filter (every confirmation passes). */
  accounts: Set<string> | null;
  includeBlock: boolean;
  includeSideband: boolean;
}

interface Session {
  readonly ws: WebSocket;
  readonly subscriptions: Map<string, ConfirmationOptions | null>;
  /** The node stops reading a connection that sent malformed JSON (it still writes to it). */
  reading: boolean;
}

interface Chain {
  frontier: string;
  height: number;
  confirmed: string;
  confirmedHeight: number;
}

export function randomHash(): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(32)));
}

export function randomAccount(): string {
  return encodeAccount(crypto.getRandomValues(new Uint8Array(32)), 'nano_');
}

/** The public key of an address, as a root (the root of its open block). */
export function accountKey(account: string): string {
  const key = decodeAccount(account, PREFIXES);
  if (key === undefined) throw new Error(`bad account ${account}`);
  return bytesToHex(key);
}

/** The node's re-encoding: any accepted prefix comes out as nano_. */
function canonical(account: unknown): string | undefined {
  if (typeof account !== 'string') return undefined;
  const key = decodeAccount(account, PREFIXES);
  return key === undefined ? undefined : encodeAccount(key, 'nano_');
}

function truthy(value: unknown): boolean {
  return value === true || value === 'true' || value === '1';
}

/**
 * A Nano node on loopback: the websocket as nano-node's websocket.cpp behaves
 * (spec node-rpc.md §5: subscribe/update/unsubscribe/ping, acks without topic
 * and with the id, update acked only when subscribed with options, the account
 * filter on account or link_as_account, malformed JSON ends reading), a ledger
 * of chains, `account_info` on RPC, and a restart that drops every session.
 */
export class FakeNode {
  rpcUrl = '';
  wsUrl = '';
  /** Every message clients sent, parsed (or the raw text when it was not JSON). */
  readonly received: unknown[] = [];
  readonly rpcCalls: Array<Record<string, unknown>> = [];
  readonly #chains = new Map<string, Chain>();
  /** Every block made by block(), for block_info. */
  readonly #blocks = new Map<string, FakeBlock>();
  readonly #sessions = new Set<Session>();
  #rpc = http.createServer((req, res) => this.#handleRpc(req, res));
  #wsHttp = http.createServer();
  #wss = new WebSocketServer({ server: this.#wsHttp });
  #wsPort = 0;
  /** Test switch: sessions stop answering (no acks, no pongs) while true. */
  mute = false;

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#rpc.listen(0, '127.0.0.1', resolve));
    this.rpcUrl = `http://127.0.0.1:${(this.#rpc.address() as AddressInfo).port}`;
    await this.#listenWs(0);
    return this;
  }

  /** Sessions with a confirmation subscription. */
  subscribers(): number {
    return [...this.#sessions].filter((s) => s.subscriptions.has('confirmation')).length;
  }

  /** The account filter of each subscribed session (null: none). */
  filters(): Array<Set<string> | null> {
    return [...this.#sessions].flatMap((s) => {
      const options = s.subscriptions.get('confirmation');
      return options === undefined ? [] : [options === null ? null : options.accounts];
    });
  }

  /** Messages of one action that clients sent. */
  sent(action: string): Array<Record<string, unknown>> {
    return this.received.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && (m as Record<string, unknown>).action === action);
  }

  /** Appends a block to `account`'s chain (opening it if new) and takes it as confirmed. */
  block(account: string, subtype: FakeBlock['subtype'] = 'receive', to?: string): FakeBlock {
    const chain = this.#chains.get(account);
    const block: FakeBlock = {
      account,
      hash: randomHash(),
      previous: chain?.frontier ?? ZERO,
      height: (chain?.height ?? 0) + 1,
      subtype,
      linkAsAccount: to ?? randomAccount(),
    };
    this.#chains.set(account, { frontier: block.hash, height: block.height, confirmed: block.hash, confirmedHeight: block.height });
    this.#blocks.set(block.hash, block);
    return block;
  }

  /** Makes `account` known with `frontier` as its head, without blocks of ours. */
  setChain(account: string, frontier: string, height: number): void {
    this.#chains.set(account, { frontier, height, confirmed: frontier, confirmedHeight: height });
  }

  /** Broadcasts a block's confirmation to the sessions whose filter passes it. */
  confirm(block: FakeBlock): void {
    for (const session of this.#sessions) {
      const options = session.subscriptions.get('confirmation');
      if (options === undefined) continue;
      const opts = options ?? { accounts: null, includeBlock: true, includeSideband: false };
      if (opts.accounts !== null) {
        // The node filters on message.account or block.link_as_account, which needs the block.
        if (!opts.includeBlock || (!opts.accounts.has(block.account) && !opts.accounts.has(block.linkAsAccount))) continue;
      }
      session.ws.send(JSON.stringify(this.message(block, opts)));
    }
  }

  /** The confirmation message the node writes for `block`. */
  message(block: FakeBlock, options: Pick<ConfirmationOptions, 'includeBlock' | 'includeSideband'> = { includeBlock: true, includeSideband: true }): object {
    return {
      topic: 'confirmation',
      time: String(Date.now()),
      message: {
        account: block.account,
        amount: block.subtype === 'send' || block.subtype === 'receive' ? '1000000000000000000000000' : '0',
        hash: block.hash,
        confirmation_type: 'active_quorum',
        ...(options.includeBlock ? { block: this.blockJson(block) } : {}),
        ...(options.includeSideband ? { sideband: { height: String(block.height), local_timestamp: String(Math.floor(Date.now() / 1000)) } } : {}),
      },
    };
  }

  /** The block as the node serialises it (state block). */
  blockJson(block: FakeBlock): Record<string, string> {
    return {
      type: 'state',
      account: block.account,
      previous: block.previous,
      representative: block.account,
      balance: '1000',
      // For a send the destination's key; otherwise a source hash, which the node also renders as an account.
      link: accountKey(block.linkAsAccount),
      link_as_account: block.linkAsAccount,
      signature: 'A'.repeat(128),
      work: '0000000000000000',
      subtype: block.subtype,
    };
  }

  /** Sends raw text to every session (to test what a client does with junk). */
  sendRaw(text: string): void {
    for (const session of this.#sessions) session.ws.send(text);
  }

  /** Stops as a node does (every session closed), stays down `ms`, then listens on the same port. */
  async restart(ms = 200): Promise<void> {
    await this.#closeWs();
    await new Promise((r) => setTimeout(r, ms));
    this.#wsHttp = http.createServer();
    this.#wss = new WebSocketServer({ server: this.#wsHttp });
    await this.#listenWs(this.#wsPort);
  }

  async close(): Promise<void> {
    await this.#closeWs();
    this.#rpc.closeAllConnections();
    await new Promise<void>((resolve) => this.#rpc.close(() => resolve()));
  }

  async #listenWs(port: number): Promise<void> {
    this.#wss.on('connection', (ws) => this.#accept(ws));
    await new Promise<void>((resolve) => this.#wsHttp.listen(port, '127.0.0.1', resolve));
    this.#wsPort = (this.#wsHttp.address() as AddressInfo).port;
    this.wsUrl = `ws://127.0.0.1:${this.#wsPort}`;
  }

  async #closeWs(): Promise<void> {
    for (const session of this.#sessions) session.ws.close(1000, 'Shutting down');
    await new Promise((r) => setTimeout(r, 20));
    for (const session of this.#sessions) session.ws.terminate();
    this.#sessions.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#wsHttp.closeAllConnections();
    await new Promise<void>((resolve) => this.#wsHttp.close(() => resolve()));
  }

  #accept(ws: WebSocket): void {
    const session: Session = { ws, subscriptions: new Map(), reading: true };
    this.#sessions.add(session);
    ws.on('close', () => this.#sessions.delete(session));
    ws.on('message', (data) => {
      if (!session.reading) return;
      const text = data.toString();
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(text) as Record<string, unknown>;
      } catch {
        this.received.push(text);
        session.reading = false;
        return;
      }
      this.received.push(message);
      if (!this.mute) this.#handle(session, message);
    });
  }

  #handle(session: Session, message: Record<string, unknown>): void {
    let action = typeof message.action === 'string' ? message.action : '';
    const topic = typeof message.topic === 'string' && TOPICS.has(message.topic) ? message.topic : undefined;
    let ack = truthy(message.ack);
    const id = message.id === undefined ? '' : String(message.id);
    const options = typeof message.options === 'object' && message.options !== null ? (message.options as Record<string, unknown>) : undefined;
    let succeeded = false;
    if (action === 'subscribe' && topic !== undefined) {
      session.subscriptions.set(topic, topic === 'confirmation' && options !== undefined ? confirmationOptions(options) : null);
      succeeded = true;
    } else if (action === 'update') {
      const existing = topic === undefined ? undefined : session.subscriptions.get(topic);
      if (topic !== undefined && session.subscriptions.has(topic) && options !== undefined) {
        const updated = existing ?? { accounts: null, includeBlock: true, includeSideband: false };
        updated.accounts ??= new Set();
        for (const a of list(options.accounts_add)) updated.accounts.add(a);
        for (const a of list(options.accounts_del)) updated.accounts.delete(a);
        session.subscriptions.set(topic, updated);
        succeeded = true;
      }
    } else if (action === 'unsubscribe' && topic !== undefined) {
      session.subscriptions.delete(topic);
      succeeded = true;
    } else if (action === 'ping') {
      succeeded = true;
      ack = true;
      action = 'pong';
    }
    if (ack && succeeded) session.ws.send(JSON.stringify({ ack: action, time: String(Date.now()), ...(id === '' ? {} : { id }) }));
  }

  #handleRpc(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        /* answered as the node does below */
      }
      this.rpcCalls.push(body);
      let answer: Record<string, unknown> = { error: 'Unknown command' };
      if (body.action === 'block_info') {
        const block = typeof body.hash === 'string' ? this.#blocks.get(body.hash.toUpperCase()) : undefined;
        if (block === undefined) {
          answer = { error: 'Block not found' };
        } else {
          const json = this.blockJson(block);
          answer = {
            block_account: block.account,
            amount: '1000',
            balance: '1000',
            height: String(block.height),
            local_timestamp: String(Math.floor(Date.now() / 1000)),
            successor: ZERO,
            confirmed: 'true',
            contents: truthy(body.json_block) ? json : `${JSON.stringify(json, null, 4)}\n`,
            subtype: block.subtype,
          };
        }
      } else if (body.action === 'account_info') {
        const account = canonical(body.account);
        const chain = account === undefined ? undefined : this.#chains.get(account);
        if (account === undefined) answer = { error: 'Bad account number' };
        else if (chain === undefined) answer = { error: 'Account not found' };
        else {
          answer = {
            frontier: chain.frontier,
            open_block: chain.frontier,
            representative_block: chain.frontier,
            balance: '1000',
            modified_timestamp: String(Math.floor(Date.now() / 1000)),
            block_count: String(chain.height),
            account_version: '2',
            confirmation_height: String(chain.confirmedHeight),
            confirmation_height_frontier: chain.confirmed,
          };
        }
      }
      const text = `${JSON.stringify(answer, null, 4)}\n`;
      res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(text);
    });
  }
}

function confirmationOptions(options: Record<string, unknown>): ConfirmationOptions {
  const filtered = options.accounts !== undefined || options.all_local_accounts !== undefined;
  return {
    accounts: filtered ? new Set(list(options.accounts)) : null,
    includeBlock: options.include_block === undefined ? true : truthy(options.include_block),
    includeSideband: truthy(options.include_sideband_info),
  };
}

/** Accounts of an options list, re-encoded; invalid ones are skipped as the node skips them. */
function list(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map(canonical).filter((a): a is string => a !== undefined);
}
