import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Message } from '../../lib/errors.js';
import type { Powgate } from '../../lib/server.js';
import { accountKey, FakeNode, randomAccount, randomHash } from '../fakes/node.js';
import { FakeNodeRpc } from '../fakes/node-rpc.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { rpc, startTestPowgate, type TestConfig } from '../helpers/powgate.js';
import { metric, until } from './helpers.js';

/** The body a node POSTs to its callback URL: the block as a JSON string, pretty-printed. */
function nodeCallback(node: FakeNode, block: ReturnType<FakeNode['block']>, asObject = false): string {
  const json = node.blockJson(block);
  const body: Record<string, unknown> = {
    account: block.account,
    hash: block.hash,
    block: asObject ? json : `${JSON.stringify(json, null, 4)}\n`,
    amount: '1000000000000000000000000',
    ...(block.subtype === 'send' ? { is_send: 'true', subtype: 'send' } : { subtype: block.subtype }),
  };
  return `${JSON.stringify(body, null, 4)}\n`;
}

async function post(gate: Powgate, body: string): Promise<{ status: number; json: Record<string, string> }> {
  const res = await fetch(`${gate.url}/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}

describe('precache from the node HTTP callback', function () {
  this.timeout(20_000);
  let node: FakeNode;
  let peer: FakeRpcPeer;
  const gates: Powgate[] = [];
  const servers: Array<{ close(): Promise<void> }> = [];

  beforeEach(async () => {
    node = await new FakeNode().start();
    peer = await new FakeRpcPeer().start();
  });
  afterEach(async () => {
    await Promise.all(gates.splice(0).map((g) => g.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await node.close();
    await peer.close();
  });

  const start = async (t: TestConfig = {}): Promise<Powgate> => {
    const gate = await startTestPowgate({ backends: { peer: { type: 'rpc', urls: [peer.url] } }, ...t, node: { rpc: node.rpcUrl, ...t.node } });
    gates.push(gate);
    return gate;
  };

  for (const asObject of [false, true]) {
    it(`precaches from a callback whose block is ${asObject ? 'an object' : 'a JSON string'}`, async () => {
      const a = randomAccount();
      const gate = await start({ precache: { accounts: [a] } });
      const block = node.block(a);
      const answer = await post(gate, nodeCallback(node, block, asObject));
      expect(answer).to.deep.equal({ status: 200, json: {} });
      await until(() => gate.precache.status().jobs.done === 1, 'precached');
      expect((await rpc(gate.url, { action: 'work_generate', hash: block.hash })).headers.get('x-powgate-source')).to.equal('cache');
      expect(await metric(gate, 'powgate_precache_confirmations_total{trigger="callback",outcome="new"}')).to.equal(1);
    });
  }

  it("reads a legacy send block: its destination's next root is precached", async () => {
    const to = randomAccount();
    // A sender on the allow-list is trusted: its legacy block (unknown to the fake node) is read as sent.
    const gate = await start({ precache: { accounts: [to], callback_allow: ['127.0.0.1', '::1'] } });
    const legacy = {
      account: randomAccount(),
      hash: randomHash(),
      block: JSON.stringify({ type: 'send', previous: randomHash(), destination: to, balance: '0', work: '0', signature: 'A'.repeat(128) }),
      amount: '1',
      is_send: 'true',
    };
    expect((await post(gate, JSON.stringify(legacy))).status).to.equal(200);
    await until(() => gate.precache.status().jobs.done === 1, 'precached');
    expect(peer.generates().map((c) => c.body.hash)).to.deep.equal([accountKey(to)]);
  });

  it('the same block from the websocket and the callback is precached once', async () => {
    const a = randomAccount();
    const gate = await start({ node: { websocket: node.wsUrl }, precache: { accounts: [a] } });
    await until(() => gate.precache.status().websocket === 'connected', 'subscribed');
    const block = node.block(a);
    node.confirm(block);
    await post(gate, nodeCallback(node, block));
    await until(() => gate.precache.status().jobs.done === 1, 'precached');
    expect(await metric(gate, 'powgate_precache_confirmations_total{trigger="callback",outcome="duplicate"}')).to.equal(1);
    expect(peer.generates()).to.have.length(1);
  });

  it('forwards the body unchanged to every callback_forward URL, without making the node wait for a slow one', async () => {
    const a = randomAccount();
    const fast = await new FakeNodeRpc().start();
    servers.push(fast);
    const hanging = http.createServer(() => {}); // never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    servers.push({
      close: async () => {
        hanging.closeAllConnections();
        await new Promise<void>((resolve) => hanging.close(() => resolve()));
      },
    });
    const slowUrl = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/cb`;
    const gate = await start({ precache: { accounts: [a], callback_forward: [slowUrl, `${fast.url}/cb`], callback_timeout: '2s' } });
    const body = nodeCallback(node, node.block(a));
    const started = Date.now();
    expect((await post(gate, body)).status).to.equal(200);
    expect(Date.now() - started).to.be.below(1500);
    await until(() => fast.received.length === 1, 'forwarded');
    expect(fast.received[0]).to.equal(body);
    await until(async () => (await metric(gate, 'powgate_precache_callback_forwards_total{outcome="failed"}')) === 1, 'slow forward timed out');
    expect(await metric(gate, 'powgate_precache_callback_forwards_total{outcome="ok"}')).to.equal(1);
  });

  it('with precache off, still forwards and precaches nothing', async () => {
    const a = randomAccount();
    const target = await new FakeNodeRpc().start();
    servers.push(target);
    const gate = await start({ precache: { enabled: false, accounts: [a], callback_forward: [target.url] } });
    expect((await post(gate, nodeCallback(node, node.block(a)))).status).to.equal(200);
    await until(() => target.received.length === 1, 'forwarded');
    expect(gate.precache.status()).to.deep.include({ enabled: false, websocket: 'off', queueDepth: 0 });
    expect(peer.generates()).to.have.length(0);
  });

  it('refuses bodies that are not a block callback, with a clear error, and ignores untracked accounts', async () => {
    const gate = await start({ precache: { accounts: [randomAccount()] } });
    expect(await post(gate, '{"account":')).to.deep.equal({ status: 400, json: { error: Message.callbackNotJson } });
    expect(await post(gate, '{"account":"nano_x","hash":"00"}')).to.deep.equal({ status: 400, json: { error: Message.callbackNotBlock } });
    expect(await post(gate, JSON.stringify({ account: randomAccount(), hash: randomHash(), block: '{"type":"state"' }))).to.deep.equal({
      status: 400,
      json: { error: Message.callbackNotBlock },
    });
    const big = await fetch(`${gate.url}/callback`, { method: 'POST', body: 'x'.repeat(70 * 1024) });
    expect(big.status).to.equal(413);
    const stranger = node.block(randomAccount());
    expect((await post(gate, nodeCallback(node, stranger))).status).to.equal(200);
    expect(await metric(gate, 'powgate_precache_confirmations_total{trigger="callback",outcome="ignored"}')).to.equal(1);
    expect(await metric(gate, 'powgate_precache_malformed_total{trigger="callback"}')).to.equal(2);
    // /callback is not RPC, and RPC on other paths is unchanged.
    expect((await rpc(`${gate.url}/callbackx`, { action: 'work_validate', hash: randomHash(), work: '0' })).json.valid_all).to.be.a('string');
  });
});
