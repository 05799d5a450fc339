import { expect } from 'chai';
import { Message } from '../../lib/errors.js';
import type { Powgate } from '../../lib/server.js';
import { FakeNode, randomAccount, randomHash } from '../fakes/node.js';
import { FakeNodeRpc } from '../fakes/node-rpc.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { rpc, startTestPowgate, type TestConfig } from '../helpers/powgate.js';
import { metric, settled, until } from './helpers.js';

const SECRET = 'a-long-shared-secret-0123456789';

/** A callback body for a block that does not exist: previous is the account's real head. */
function forged(account: string, previous: string): string {
  const block = {
    type: 'state',
    account,
    previous,
    representative: account,
    balance: '0',
    link: '0'.repeat(64),
    signature: 'A'.repeat(128),
    work: '0'.repeat(16),
  };
  return JSON.stringify({ account, hash: randomHash(), block: JSON.stringify(block), subtype: 'change' });
}

async function post(gate: Powgate, body: string, query = '', headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${gate.url}/callback${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('POST /callback cannot be abused', function () {
  this.timeout(30_000);
  let node: FakeNode;
  let peer: FakeRpcPeer;
  let target: FakeNodeRpc;
  const gates: Powgate[] = [];
  beforeEach(async () => {
    node = await new FakeNode().start();
    peer = await new FakeRpcPeer().start();
    target = await new FakeNodeRpc().start();
  });
  afterEach(async () => {
    await Promise.all(gates.splice(0).map((g) => g.close()));
    await Promise.all([node.close(), peer.close(), target.close()]);
  });
  const start = async (t: TestConfig = {}): Promise<Powgate> => {
    const gate = await startTestPowgate({ node: { rpc: node.rpcUrl }, backends: { peer: { type: 'rpc', urls: [peer.url] } }, ...t });
    gates.push(gate);
    return gate;
  };
  const generated = (root: string) => peer.generates().filter((c) => c.body.hash === root);

  it("a forged confirmation neither evicts a client's cached work nor queues precache: the node is asked first", async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    const head = node.block(a);
    // A client's work for the account's next block is in the cache.
    await rpc(gate.url, { action: 'work_generate', hash: head.hash, account: a });
    expect((await rpc(gate.url, { action: 'work_generate', hash: head.hash })).headers.get('x-powgate-source')).to.equal('cache');
    // A chain of forged confirmations, the first built on the real head.
    let previous = head.hash;
    for (let i = 0; i < 5; i++) {
      const body = forged(a, previous);
      expect((await post(gate, body)).status).to.equal(200);
      previous = (JSON.parse(body) as { hash: string }).hash;
    }
    await until(
      async () => (await metric(gate, 'powgate_precache_confirmations_total{trigger="callback",outcome="unverified"}')) === 5,
      'checked with the node',
    );
    await settled(gate);
    expect((await rpc(gate.url, { action: 'work_generate', hash: head.hash })).headers.get('x-powgate-source')).to.equal('cache');
    expect(peer.generates()).to.have.length(1);
    expect(node.rpcCalls.filter((c) => c.action === 'block_info')).to.have.length(5);
  });

  it('a real confirmation sent by anyone still precaches, from what the node says about the block', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    node.block(a);
    const next = node.block(a);
    const body = { account: a, hash: next.hash, block: JSON.stringify(node.blockJson(next)) };
    expect((await post(gate, JSON.stringify(body))).status).to.equal(200);
    await until(() => generated(next.hash).length === 1, 'precached after the node confirmed it');
  });

  it('without node.rpc, a callback nobody vouched for moves nothing', async () => {
    const a = randomAccount();
    const gate = await startTestPowgate({ backends: { peer: { type: 'rpc', urls: [peer.url] } }, precache: { accounts: [a] } });
    gates.push(gate);
    const root = randomHash();
    await rpc(gate.url, { action: 'work_generate', hash: root, account: a });
    expect((await post(gate, forged(a, root))).status).to.equal(200);
    expect(await metric(gate, 'powgate_precache_confirmations_total{trigger="callback",outcome="unverified"}')).to.equal(1);
    expect((await rpc(gate.url, { action: 'work_generate', hash: root })).headers.get('x-powgate-source')).to.equal('cache');
  });

  it('with callback_secret, a caller without it is refused (403) and nothing is forwarded; with it, the callback is trusted', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a], callback_secret: SECRET, callback_forward: [target.url] } });
    const head = node.block(a);
    const next = node.block(a);
    const body = JSON.stringify({ account: a, hash: next.hash, block: JSON.stringify(node.blockJson(next)) });
    expect(await post(gate, body)).to.deep.equal({ status: 403, json: { error: Message.callbackForbidden } });
    expect((await post(gate, body, '?secret=wrong-secret-0123456789')).status).to.equal(403);
    expect((await post(gate, body, '', { authorization: 'Bearer nope' })).status).to.equal(403);
    expect(target.received).to.have.length(0);
    expect((await post(gate, body, `?secret=${SECRET}`)).status).to.equal(200);
    await until(() => target.received.length === 1, 'forwarded');
    // Trusted: acted on without asking the node about the block.
    await until(() => generated(next.hash).length === 1, 'precached');
    expect(node.rpcCalls.filter((c) => c.action === 'block_info')).to.have.length(0);
    expect((await post(gate, forged(a, head.hash), '', { authorization: `Bearer ${SECRET}` })).status).to.equal(200);
  });

  it('with callback_allow, a caller from another address is refused', async () => {
    const gate = await start({ precache: { callback_allow: ['10.1.2.3', 'fd00::/8'], callback_forward: [target.url] } });
    expect(await post(gate, forged(randomAccount(), randomHash()))).to.deep.equal({ status: 403, json: { error: Message.callbackForbidden } });
    const open = await start({ precache: { callback_allow: ['127.0.0.0/8', '::1'] } });
    expect((await post(open, forged(randomAccount(), randomHash()))).status).to.equal(200);
    expect(target.received).to.have.length(0);
  });

  it('only a readable block callback is forwarded', async () => {
    const gate = await start({ precache: { callback_forward: [target.url] } });
    expect((await post(gate, '{"anything":"at all"}')).status).to.equal(400);
    expect((await post(gate, '{"account":"x","hash":"00","block":"{}"}')).status).to.equal(400);
    const good = forged(randomAccount(), randomHash());
    expect((await post(gate, good)).status).to.equal(200);
    await until(() => target.received.length === 1, 'forwarded');
    expect(target.received).to.deep.equal([good]);
  });

  it('is rate-limited (callback_rate): past the rate, callers get 429 and nothing is forwarded', async () => {
    const gate = await start({ precache: { callback_rate: 1, callback_forward: [target.url] } });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 30 }, () => post(gate, forged(randomAccount(), randomHash()))));
    const seconds = (Date.now() - started) / 1000;
    const limited = answers.filter((a) => a.status === 429);
    // One token to start with and one a second after.
    expect(limited.length).to.be.at.least(30 - 1 - Math.ceil(seconds));
    expect(limited[0]?.json.error).to.equal(Message.callbackRateLimited);
    const taken = answers.length - limited.length;
    await until(() => target.received.length === taken, 'the taken ones forwarded');
  });
});

describe('the node websocket cannot be abused the same way', function () {
  this.timeout(30_000);
  it('a frame far larger than any confirmation drops the socket unread, and it reconnects', async () => {
    const node = await new FakeNode().start();
    const gate = await startTestPowgate({
      node: { rpc: node.rpcUrl, websocket: node.wsUrl },
      precache: { accounts: [randomAccount()], reconnect_delay: '50ms' },
    });
    try {
      await until(() => gate.precache.status().websocket === 'connected', 'subscribed');
      const states: string[] = [];
      gate.events.on('websocket', (e) => states.push(e.state));
      node.sendRaw(JSON.stringify({ topic: 'confirmation', message: { pad: 'x'.repeat(2 << 20) } }));
      await until(() => states.includes('disconnected'), 'socket dropped');
      await until(() => gate.precache.status().websocket === 'connected', 'reconnected');
      expect(await metric(gate, 'powgate_precache_malformed_total{trigger="websocket"}')).to.equal(0);
    } finally {
      await gate.close();
      await node.close();
    }
  });
});
