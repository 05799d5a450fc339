import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { accountKey, FakeNode, randomAccount, randomHash } from '../fakes/node.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { rpc, startTestPowgate, type TestConfig } from '../helpers/powgate.js';
import { DEV_RECEIVE, DEV_SEND, metric, settled, until } from './helpers.js';

const SEND_HEX = DEV_SEND.toString(16);
const RECEIVE_HEX = DEV_RECEIVE.toString(16);

describe('precache from node websocket confirmations', function () {
  this.timeout(20_000);
  let node: FakeNode;
  let peer: FakeRpcPeer;
  const gates: Powgate[] = [];

  beforeEach(async () => {
    node = await new FakeNode().start();
    peer = await new FakeRpcPeer().start();
  });
  afterEach(async () => {
    await Promise.all(gates.splice(0).map((g) => g.close()));
    await node.close();
    await peer.close();
  });

  const start = async (t: TestConfig = {}): Promise<Powgate> => {
    const gate = await startTestPowgate({
      node: { websocket: node.wsUrl, rpc: node.rpcUrl },
      backends: { peer: { type: 'rpc', urls: [peer.url] } },
      ...t,
      precache: { reconnect_delay: '20ms', max_reconnect_delay: '100ms', ping_interval: '1s', ...t.precache },
    });
    gates.push(gate);
    await until(() => gate.precache.status().websocket === 'connected', 'websocket subscribed');
    return gate;
  };
  const generates = (root: string) => peer.generates().filter((c) => c.body.hash === root);

  it('subscribes to confirmations of exactly the tracked accounts, with sideband, never to everything', async () => {
    const a = randomAccount();
    await start({ precache: { accounts: [a] } });
    const [subscribe] = node.sent('subscribe');
    expect(subscribe).to.deep.include({ action: 'subscribe', topic: 'confirmation', ack: true });
    expect(subscribe?.options).to.deep.equal({ accounts: [a], include_block: true, include_sideband_info: true, confirmation_type: 'all' });
    expect(node.filters()).to.deep.equal([new Set([a])]);
  });

  it('a confirmed block of a tracked account: work_generate for its hash comes from the cache, no upstream call then', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    const block = node.block(a);
    node.confirm(block);
    await until(() => gate.precache.status().jobs.done === 1, 'precache job done');
    expect(generates(block.hash).map((c) => c.body.difficulty)).to.deep.equal([SEND_HEX]);
    const before = peer.calls.length;
    const answer = await rpc(gate.url, { action: 'work_generate', hash: block.hash });
    expect(answer.headers.get('x-powgate-source')).to.equal('cache');
    expect(answer.json.hash).to.equal(block.hash);
    expect(peer.calls.length).to.equal(before);
    expect(await metric(gate, 'powgate_precache_hits_total')).to.equal(1);
    expect(await metric(gate, 'powgate_precache_confirmations_total{trigger="websocket",outcome="new"}')).to.equal(1);
    expect(await metric(gate, 'powgate_precache_jobs_total{outcome="done"}')).to.equal(1);
    expect(await metric(gate, 'powgate_precache_websocket_connected')).to.equal(1);
    expect(gate.precache.status()).to.deep.include({ enabled: true, websocket: 'connected', trackedAccounts: 1, hits: 1, requests: 1 });
  });

  it('a newer block drops the work of the root it consumed', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    const first = node.block(a);
    node.confirm(first);
    await until(() => gate.precache.status().jobs.done === 1, 'first precached');
    const second = node.block(a, 'send', randomAccount());
    node.confirm(second);
    await until(() => gate.precache.status().jobs.done === 2, 'second precached');
    expect((await rpc(gate.url, { action: 'work_generate', hash: second.hash })).headers.get('x-powgate-source')).to.equal('cache');
    // The first block's root is consumed: its work was dropped, not served.
    expect((await rpc(gate.url, { action: 'work_generate', hash: first.hash })).headers.get('x-powgate-source')).to.equal('peer');
  });

  it('learns an account from work_generate, adds it to the node filter, and precaches its next block', async () => {
    const b = randomAccount();
    const gate = await start();
    expect(node.filters()).to.deep.equal([new Set()]);
    const frontier = node.block(b);
    const asked = await rpc(gate.url, { action: 'work_generate', hash: frontier.hash, account: b.replace('nano_', 'xrb_') });
    expect(asked.headers.get('x-powgate-source')).to.equal('peer');
    await until(() => node.sent('update').length === 1, 'update sent');
    expect(node.sent('update')[0]).to.deep.include({ action: 'update', topic: 'confirmation', ack: true, options: { accounts_add: [b], accounts_del: [] } });
    expect(node.filters()).to.deep.equal([new Set([b])]);
    expect(gate.precache.status().trackedAccounts).to.equal(1);
    // The client's block (built on the root it asked for) confirms: the next one is precached.
    const next = node.block(b, 'send', randomAccount());
    node.confirm(next);
    await until(() => gate.precache.status().jobs.done === 1, 'precached');
    expect((await rpc(gate.url, { action: 'work_generate', hash: next.hash, account: b })).headers.get('x-powgate-source')).to.equal('cache');
  });

  it('keeps the node filter equal to the tracked set as learned accounts are evicted', async () => {
    const gate = await start({ precache: { max_accounts: 2 } });
    const learned = [randomAccount(), randomAccount(), randomAccount()];
    for (const account of learned) await rpc(gate.url, { action: 'work_generate', hash: randomHash(), account });
    await until(() => {
      const [filter] = node.filters();
      return filter?.size === 2 && filter.has(learned[1] as string) && filter.has(learned[2] as string);
    }, 'filter follows the cap');
    expect(gate.precache.status().trackedAccounts).to.equal(2);
    expect(node.sent('update').flatMap((u) => (u.options as { accounts_del: string[] }).accounts_del)).to.deep.equal([learned[0]]);
  });

  it("a send to a tracked account queues that account's next root at the receive threshold (unopened: its key)", async () => {
    const unopened = randomAccount();
    const opened = randomAccount();
    const openedHead = randomHash();
    node.setChain(opened, openedHead, 7);
    const gate = await start({ precache: { accounts: [unopened, opened] } });
    const sender = randomAccount(); // not tracked: the filter passes the sends by their destination
    node.confirm(node.block(sender, 'send', unopened));
    node.confirm(node.block(sender, 'send', opened));
    await until(() => gate.precache.status().jobs.done === 2, 'both precached');
    const key = accountKey(unopened);
    expect(generates(key).map((c) => c.body.difficulty)).to.deep.equal([RECEIVE_HEX]);
    expect(generates(openedHead).map((c) => c.body.difficulty)).to.deep.equal([RECEIVE_HEX]);
    const receive = await rpc(gate.url, { action: 'work_generate', hash: key, difficulty: RECEIVE_HEX });
    expect(receive.headers.get('x-powgate-source')).to.equal('cache');
    expect((await rpc(gate.url, { action: 'work_generate', hash: openedHead, difficulty: RECEIVE_HEX })).headers.get('x-powgate-source')).to.equal('cache');
    expect(node.rpcCalls.filter((c) => c.action === 'account_info').map((c) => c.account)).to.have.members([unopened, opened]);
  });

  it('ignores duplicate and older confirmations, and never resurrects a consumed root', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    const b1 = node.block(a);
    const b2 = node.block(a);
    const b3 = node.block(a);
    node.confirm(b1);
    node.confirm(b1);
    node.confirm(b3);
    await settled(gate);
    node.confirm(b2); // late: older than b3
    await until(async () => (await metric(gate, 'powgate_precache_confirmations_total{trigger="websocket",outcome="old"}')) === 1, 'old counted');
    await settled(gate);
    expect(await metric(gate, 'powgate_precache_confirmations_total{trigger="websocket",outcome="duplicate"}')).to.equal(1);
    expect(generates(b2.hash)).to.have.length(0);
    expect((await rpc(gate.url, { action: 'work_generate', hash: b3.hash })).headers.get('x-powgate-source')).to.equal('cache');
    // b1's root was consumed by b2 (and b3 moved past it): not served from the cache.
    expect((await rpc(gate.url, { action: 'work_generate', hash: b1.hash })).headers.get('x-powgate-source')).to.equal('peer');
  });

  it('a confirmation not linked to what is known is checked with the node before it moves the frontier', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    const b1 = node.block(a);
    node.confirm(b1);
    await settled(gate);
    node.block(a); // b2: its confirmation is lost
    const b3 = node.block(a);
    const b4 = node.block(a);
    // Without sideband (a callback): b4 builds on b3, which powgate never saw.
    const lost = { account: a, hash: b3.hash, block: JSON.stringify(node.blockJson(b3)) };
    const callback = await fetch(`${gate.url}/callback`, { method: 'POST', body: JSON.stringify(lost) });
    expect(callback.status).to.equal(200);
    // The node's confirmed head is b4, not b3: b3 is not trusted.
    await until(async () => (await metric(gate, 'powgate_precache_confirmations_total{trigger="callback",outcome="old"}')) === 1, 'b3 checked');
    expect(generates(b3.hash)).to.have.length(0);
    const head = { account: a, hash: b4.hash, block: JSON.stringify(node.blockJson(b4)) };
    await fetch(`${gate.url}/callback`, { method: 'POST', body: JSON.stringify(head) });
    await until(() => generates(b4.hash).length === 1, 'b4 precached after the check');
    await settled(gate);
    expect((await rpc(gate.url, { action: 'work_generate', hash: b4.hash })).headers.get('x-powgate-source')).to.equal('cache');
  });

  it('survives the node restarting: reconnects with backoff, resubscribes with the current set, precaching resumes', async () => {
    const a = randomAccount();
    const learned = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    await rpc(gate.url, { action: 'work_generate', hash: randomHash(), account: learned });
    await until(() => node.filters()[0]?.has(learned) === true, 'learned account in the filter');
    const before = node.block(a);
    node.confirm(before);
    await until(() => gate.precache.status().jobs.done === 1, 'precached before the restart');
    await node.restart(300);
    await until(() => gate.precache.status().websocket === 'connected' && node.subscribers() === 1, 'resubscribed', 8000);
    const resubscribe = node.sent('subscribe').at(-1) as { options: { accounts: string[] } };
    expect(resubscribe.options.accounts).to.have.members([a, learned]);
    expect(await metric(gate, 'powgate_precache_websocket_reconnects_total')).to.be.at.least(1);
    // The chains go on where they were: the next blocks are precached, the consumed root is not served.
    const after = node.block(a);
    const block = node.block(learned);
    node.confirm(after);
    node.confirm(block);
    await until(() => gate.precache.status().jobs.done === 3, 'precached after the restart');
    expect((await rpc(gate.url, { action: 'work_generate', hash: after.hash })).headers.get('x-powgate-source')).to.equal('cache');
    expect((await rpc(gate.url, { action: 'work_generate', hash: block.hash })).headers.get('x-powgate-source')).to.equal('cache');
    expect((await rpc(gate.url, { action: 'work_generate', hash: before.hash })).headers.get('x-powgate-source')).to.equal('peer');
  });

  it('survives malformed and unexpected messages from the node', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a] } });
    node.sendRaw('{not json');
    node.sendRaw('[1,2,3]');
    node.sendRaw('"just a string"');
    node.sendRaw(JSON.stringify({ topic: 'confirmation', message: { account: a, hash: 'zz' } }));
    node.sendRaw(JSON.stringify({ topic: 'vote', message: {} }));
    node.sendRaw(JSON.stringify({ ack: 'subscribe', id: 'not-ours' }));
    const block = node.block(a);
    node.confirm(block);
    await until(() => gate.precache.status().jobs.done === 1, 'precached after the junk');
    expect(await metric(gate, 'powgate_precache_malformed_total{trigger="websocket"}')).to.equal(2);
    expect(gate.precache.status().websocket).to.equal('connected');
  });

  it('replaces a connection whose node stopped answering pings', async () => {
    const a = randomAccount();
    const gate = await start({ precache: { accounts: [a], ping_interval: '200ms' } });
    node.mute = true;
    await until(() => gate.precache.status().websocket !== 'connected', 'dead link noticed', 3000);
    node.mute = false;
    await until(() => gate.precache.status().websocket === 'connected', 'reconnected', 5000);
    const block = node.block(a);
    node.confirm(block);
    await until(() => gate.precache.status().jobs.done === 1, 'precached on the new connection');
  });
});
