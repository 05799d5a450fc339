import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { MemoryServiceStore } from '../../lib/services/memory-store.js';
import { postService } from '../helpers/dpow-service-checks.js';
import { randomRoot, startTestPowgate } from '../helpers/powgate.js';
import { WireWorker } from '../hub/helpers.js';

const PUBLIC_KEY = 'public-service-key-0123456789';
const PRIVATE_KEY = 'private-service-key-0123456789';

describe("the hub's statistics message with services", function () {
  this.timeout(20_000);
  let pg: Powgate | undefined;
  let w: WireWorker | undefined;
  afterEach(async () => {
    await w?.close();
    await pg?.close();
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
