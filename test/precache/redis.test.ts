import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { FakeNode, randomAccount, randomHash } from '../fakes/node.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';
import { metric, until } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('precache with several instances on one Redis (real server)', function () {
  this.timeout(20_000);
  let node: FakeNode;
  let peer: FakeRpcPeer;
  const gates: Powgate[] = [];
  beforeEach(async () => {
    node = await new FakeNode().start();
    peer = (await new FakeRpcPeer().start()).behave('valid', 200);
  });
  afterEach(async () => {
    await Promise.all(gates.splice(0).map((g) => g.close()));
    await node.close();
    await peer.close();
  });

  const start = async (accounts: string[]): Promise<Powgate> => {
    const gate = await startTestPowgate({
      cache: { url: REDIS_URL },
      node: { websocket: node.wsUrl },
      backends: { peer: { type: 'rpc', urls: [peer.url] } },
      // A short TTL: what the tests learn must not pile up in a shared Redis.
      precache: { accounts, account_ttl: '30s', reconnect_delay: '20ms', ping_interval: '2s' },
    });
    gates.push(gate);
    await until(() => gate.precache.status().websocket === 'connected', 'subscribed');
    return gate;
  };

  it('two instances watching one node precache a root once and both serve it from the shared cache', async () => {
    const a = randomAccount();
    const [one, two] = [await start([a]), await start([a])] as [Powgate, Powgate];
    expect(node.subscribers()).to.equal(2);
    const block = node.block(a);
    node.confirm(block);
    const finished = async (g: Powgate): Promise<number> => g.precache.status().jobs.done + (await metric(g, 'powgate_precache_jobs_total{outcome="skipped"}'));
    await until(async () => (await finished(one)) + (await finished(two)) === 2, 'both instances handled the root');
    expect(peer.generates().filter((c) => c.body.hash === block.hash)).to.have.length(1);
    for (const gate of [one, two]) {
      const answer = await rpc(gate.url, { action: 'work_generate', hash: block.hash });
      expect(answer.headers.get('x-powgate-source')).to.equal('cache');
    }
    expect(peer.generates()).to.have.length(1);
  });

  it('learned accounts live in Redis with their TTL: an instance started later subscribes to them too', async () => {
    const first = await start([]);
    const learned = randomAccount();
    await rpc(first.url, { action: 'work_generate', hash: randomHash(), account: learned });
    await until(() => node.filters().some((f) => f?.has(learned) === true), 'learned by the first instance');
    const later = await start([]);
    await until(() => later.precache.status().trackedAccounts >= 1, 'loaded');
    const subscribe = node.sent('subscribe').at(-1) as { options: { accounts: string[] } };
    expect(subscribe.options.accounts).to.include(learned);
  });
});
