import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Message } from '../../lib/errors.js';
import type { Powgate } from '../../lib/server.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';

/**
 * A node RPC whose answers are `size` bytes long. While `hold` is set an answer
 * waits for `release()`; with `hold === 'tail'` all but its last bytes are sent
 * at once, so it sits in powgate's buffer unfinished.
 */
class HoldingNode {
  readonly waiting: Array<() => void> = [];
  url = '';
  hold: boolean | 'tail' = false;
  constructor(readonly size: number) {}
  #server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const body = `{\n    "history": "${'A'.repeat(this.size - 24)}"\n}\n`;
      if (this.hold === 'tail') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.write(body.slice(0, -8));
        this.waiting.push(() => res.end(body.slice(-8)));
      } else if (this.hold) {
        this.waiting.push(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
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

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe('forwarded node answers are bounded (rpc.max_forwards, rpc.forward_buffer)', function () {
  this.timeout(30_000);
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  const start = async (size: number, rpcOptions: { max_forwards?: number; forward_buffer?: string }): Promise<[HoldingNode, Powgate]> => {
    const node = await new HoldingNode(size).start();
    closers.push(() => node.close());
    const gate = await startTestPowgate({ node: { rpc: node.url }, rpc: { allow: ['account_history'], ...rpcOptions } });
    closers.push(() => gate.close());
    return [node, gate];
  };
  const ask = (gate: Powgate) => rpc(gate.url, { action: 'account_history', account: 'x' });

  it('an answer larger than forward_buffer is dropped, and the client is told why', async () => {
    const [, gate] = await start(3 << 20, { forward_buffer: '1mb' });
    const { status, json } = await ask(gate);
    expect(status).to.equal(200);
    expect(json.error).to.equal(Message.nodeAnswerTooLarge('account_history'));
  });

  it('concurrent answers share forward_buffer: of two that do not fit together, one is dropped', async () => {
    const [node, gate] = await start(600 << 10, { forward_buffer: '1mb' });
    // Both answers arrive but for their last bytes: together they pass the buffer, so one must go.
    node.hold = 'tail';
    const answers = [ask(gate), ask(gate)];
    const first = await Promise.race(answers.map((answer, i) => answer.then((r) => ({ i, r }))));
    expect(first.r.json.error).to.equal(Message.nodeAnswerTooLarge('account_history'));
    node.release();
    const other = await answers[1 - first.i];
    expect(other?.json.history).to.have.length((600 << 10) - 24);
  });

  it('past max_forwards a request is refused at once; the others are answered', async () => {
    const [node, gate] = await start(1024, { max_forwards: 2 });
    node.hold = true;
    const first = [ask(gate), ask(gate)];
    await until(() => node.waiting.length === 2);
    const third = await ask(gate);
    expect(third.json.error).to.equal(Message.forwardBusy('account_history'));
    expect(node.waiting).to.have.length(2);
    node.release();
    for (const answer of await Promise.all(first)) expect(answer.json.history).to.be.a('string');
    node.hold = false;
    expect((await ask(gate)).json.history).to.be.a('string');
  });
});
