import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Message } from '../../lib/errors.js';
import type { Powgate } from '../../lib/server.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';

/**
 * A node RPC whose answers are `size` bytes long. `hold: 'all'` keeps each
 * answer back until `release()`; `'tail'` sends all but its last bytes at
 * once and the rest on `release()`; `'cut'` sends half and drops the connection.
 */
class HoldingNode {
  readonly waiting: Array<() => void> = [];
  url = '';
  hold: 'none' | 'all' | 'tail' | 'cut' = 'none';
  constructor(readonly size: number) {}
  body(): string {
    return `{\n    "history": "${'A'.repeat(this.size - 22)}"\n}\n`;
  }
  #server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = this.body();
      const head = { 'content-type': 'application/json', 'content-length': body.length };
      if (this.hold === 'tail' || this.hold === 'cut') {
        res.writeHead(200, head);
        if (this.hold === 'cut') {
          res.write(body.slice(0, body.length >> 1), () => res.destroy());
          return;
        }
        res.write(body.slice(0, -8));
        this.waiting.push(() => res.end(body.slice(-8)));
      } else if (this.hold === 'all') {
        this.waiting.push(() => res.writeHead(200, head).end(body));
      } else {
        res.writeHead(200, head).end(body);
      }
    });
  });
  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }
  release(): void {
    for (const send of this.waiting.splice(0)) send();
  }
  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Polls `check`, failing after `ms` (an unbounded poll would keep mocha alive after a failure). */
async function until(check: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what()}: not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const REQUEST = JSON.stringify({ action: 'account_history', account: 'x' });

describe('forwarded node answers are streamed through, and forwards are bounded (rpc.max_forwards)', function () {
  this.timeout(30_000);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const start = async (size: number, rpcOptions: { max_forwards?: number } = {}): Promise<[HoldingNode, Powgate]> => {
    const node = await new HoldingNode(size).start();
    closers.push(() => node.close());
    const gate = await startTestPowgate({ node: { rpc: node.url }, rpc: { allow: ['account_history'], ...rpcOptions } });
    closers.push(() => gate.close());
    return [node, gate];
  };

  it('the answer reaches the client while the node is still sending it, byte for byte', async () => {
    const [node, gate] = await start(4 << 20);
    node.hold = 'tail';
    const res = await fetch(gate.url, { method: 'POST', body: REQUEST });
    // Headers and most of the body are here, and the node has not finished: nothing waited for the whole.
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-length')).to.equal(String(4 << 20));
    expect(node.waiting).to.have.length(1);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let received = 0;
    while (received < (4 << 20) - 8) {
      const { value, done } = await reader.read();
      if (done) throw new Error('ended early');
      received += value.length;
    }
    node.release();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    expect(received + chunks.reduce((n, c) => n + c.length, 0)).to.equal(4 << 20);
    // And a plain answer is unchanged.
    node.hold = 'none';
    expect((await rpc(gate.url, REQUEST)).text).to.equal(node.body());
  });

  it('a node connection that breaks mid-answer closes the client connection: the cut shows', async () => {
    const [node, gate] = await start(2 << 20);
    node.hold = 'cut';
    let failed = false;
    try {
      const res = await fetch(gate.url, { method: 'POST', body: REQUEST });
      await res.arrayBuffer();
    } catch {
      failed = true;
    }
    expect(failed).to.equal(true);
    node.hold = 'none';
    expect((await rpc(gate.url, REQUEST)).text).to.equal(node.body());
  });

  it('past max_forwards a request is refused at once; the others are answered', async () => {
    const [node, gate] = await start(1024, { max_forwards: 2 });
    node.hold = 'all';
    const first = [rpc(gate.url, REQUEST), rpc(gate.url, REQUEST)];
    await until(
      () => node.waiting.length === 2,
      () => `both forwards held at the node (held: ${node.waiting.length}, forwarding: ${gate.url})`,
    );
    const third = await rpc(gate.url, REQUEST);
    expect(third.json.error).to.equal(Message.forwardBusy('account_history'));
    expect(node.waiting).to.have.length(2);
    node.release();
    for (const answer of await Promise.all(first)) expect(answer.json.history).to.be.a('string');
    node.hold = 'none';
    expect((await rpc(gate.url, REQUEST)).json.history).to.be.a('string');
  });
});
