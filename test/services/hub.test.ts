import { expect } from 'chai';
import { createDpowBackend } from '../../lib/backends/dpow.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { MemoryServiceStore } from '../../lib/services/memory-store.js';
import { postService } from '../helpers/dpow-service-checks.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { WireWorker } from '../hub/helpers.js';

const PUBLIC_KEY = 'public-service-key-0123456789';
const PRIVATE_KEY = 'private-service-key-0123456789';

describe('services on a powgate hub: the DPoW service API in front of it, its statistics message', function () {
  this.timeout(20_000);
  let pg: Powgate | undefined;
  let w: WireWorker | undefined;
  afterEach(async () => {
    await w?.close();
    await pg?.close();
    w = undefined;
    pg = undefined;
  });

  it("serves powgate's own dpow backend from a powgate hub: the front's work comes from the hub's worker", async () => {
    pg = await startTestPowgate(
      {
        backends: { hub: { type: 'hub', listen: '127.0.0.1:0', heartbeat_interval: '50ms' } },
        precache: { enabled: false },
        services: { front: { key: PUBLIC_KEY, rate: 0 } },
      },
      undefined,
      { serviceStore: new MemoryServiceStore() },
    );
    const hub = (await pg.monitor.report()).hubs[0];
    w = await WireWorker.connect(hub?.url as string, { username: 'client', password: 'client' });
    await w.next((m) => m.topic === 'heartbeat');
    const dpow = createDpowBackend('dpow', {
      url: `${pg.url.replace('http', 'ws')}/service_ws/`,
      postUrl: `${pg.url}/service/`,
      user: 'front',
      apiKey: PUBLIC_KEY,
      sockets: 1,
      timeout: 5000,
      sendAccount: true,
      network: 'nano-dev',
    });
    const front = await startTestPowgate({ backends: { dpow: { type: 'local', cpu_threads: 1 } } }, new Map([['dpow', dpow]]));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const root = randomRoot();
      const answer = await rpc(front.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
      expect(answer.headers.get('x-powgate-source'), answer.text).to.equal('dpow');
      expect(workValue(hexToBytes(root), BigInt(`0x${answer.json.work}`)) >= 0xffc0000000000000n).to.equal(true);
      expect((await (w as WireWorker).next((m) => m.topic === 'work/ondemand')).payload).to.equal(`${root},ffc0000000000000`);
      expect(pg.services.byName('front')?.counts.works.get('hub')).to.equal(1);
    } finally {
      await front.close();
      await dpow.close();
    }
  });

  it('lists public services by display and website with their works; private ones are only counted', async () => {
    pg = await startTestPowgate(
      {
        backends: { hub: { type: 'hub', listen: '127.0.0.1:0', heartbeat_interval: '50ms', statistics_interval: '100ms' } },
        precache: { enabled: false },
        rpc: { auth: 'required', allow: [] },
        services: {
          wallet: { key: PUBLIC_KEY, public: true, display: 'My Wallet', website: 'https://wallet.example', rate: 0 },
          quiet: { key: PRIVATE_KEY, rate: 0 },
        },
      },
      undefined,
      { serviceStore: new MemoryServiceStore() },
    );
    const hub = (await pg.monitor.report()).hubs[0];
    w = await WireWorker.connect(hub?.url as string, { username: 'client', password: 'client' });
    await w.next((m) => m.topic === 'heartbeat');
    const root = randomRoot();
    // A work for the public service (from the hub's worker), the same root again (the cache), one for the private one.
    for (const [user, key, hash] of [
      ['wallet', PUBLIC_KEY, root],
      ['wallet', PUBLIC_KEY, root],
      ['quiet', PRIVATE_KEY, randomRoot()],
    ] as const) {
      const reply = await postService(pg.url, { user, api_key: key, hash });
      expect(reply.json.work, JSON.stringify(reply.json)).to.be.a('string');
    }
    const stats = await (w as WireWorker).next(
      (m) => m.topic === 'statistics' && (JSON.parse(m.payload) as { work: { ondemand: number } }).work.ondemand === 2,
    );
    expect(JSON.parse(stats.payload)).to.deep.equal({
      services: {
        public: [{ display: 'My Wallet', website: 'https://wallet.example', precache: 1, ondemand: 1 }],
        private: { count: 1, precache: 0, ondemand: 1 },
      },
      work: { precache: 0, ondemand: 2 },
    });
    expect(stats.payload).to.not.include(PUBLIC_KEY);
    expect(stats.payload).to.not.include('quiet');
  });
});
