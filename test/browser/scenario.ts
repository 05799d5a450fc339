import type { Powgate } from '../../lib/server.js';
import type { PrecacheStatus } from '../../lib/status/types.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

/**
 * What the dashboard is checked against: client traffic (misses and repeats),
 * a peer that now and then answers invalid work, a peer that always fails
 * (its circuit opens), precache jobs (most done, some stepped aside for a
 * client), and a work_cancel now and then.
 */
export interface Scenario {
  readonly gate: Powgate;
  sent(): number;
  stop(): Promise<void>;
}

const DEV = 'ffc0000000000000';
const YIELD = new Error('precache yields to a client request');

export async function startScenario(): Promise<Scenario> {
  const peer = (await new FakeRpcPeer().start()).behave('valid', 20);
  const flaky = (await new FakeRpcPeer().start()).behave('error');
  let queue = 0;
  const precache = (): PrecacheStatus => ({
    enabled: true,
    websocket: 'disconnected',
    trackedAccounts: 42,
    queueDepth: queue++ % 5,
    jobs: { queued: 120, done: 117, failed: 1, dropped: 2 },
    hits: 90,
    requests: 120,
  });
  const gate = await startTestPowgate(
    {
      backends: {
        peer: { type: 'rpc', urls: [peer.url] },
        flaky: { type: 'rpc', urls: [flaky.url] },
        local: { type: 'local', cpu_threads: 1 },
      },
      tiers: [{ backends: ['peer', 'flaky'] }, { backends: ['local'] }],
      breaker: { failures: 3, cooldown: '1m', max_cooldown: '1m' },
    },
    undefined,
    { precacheStatus: precache },
  );
  let running = true;
  let sent = 0;
  const roots: string[] = [];
  const clients = (async () => {
    while (running) {
      const repeat = roots.length > 0 && sent % 3 === 2;
      const root = repeat ? (roots[sent % roots.length] as string) : randomRoot();
      if (!repeat) roots.push(root);
      // Every seventh new root the fast peer answers with invalid work and the local generator wins.
      if (!repeat && sent % 7 === 0) peer.behave('invalid', 20);
      await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV }).catch(() => undefined);
      peer.behave('valid', 20);
      sent++;
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  const background = (async () => {
    for (let i = 0; running; i++) {
      // A precache job; every third steps aside for a client, as the precache scheduler makes it.
      const controller = new AbortController();
      const job = gate.service
        .generate({ root: randomRoot(), target: BigInt(`0x${DEV}`), signal: controller.signal }, { priority: 'precache' })
        .catch(() => undefined);
      if (i % 3 === 2) controller.abort(YIELD);
      await job;
      // Now and then a client's work_cancel for a root in flight, or a client that gives up.
      if (i % 4 === 1) {
        const root = randomRoot();
        const pending = rpc(gate.url, { action: 'work_generate', hash: root, difficulty: DEV }).catch(() => undefined);
        await rpc(gate.url, { action: 'work_cancel', hash: root });
        await pending;
      } else if (i % 4 === 3) {
        const gone = new AbortController();
        const pending = rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV }, { signal: gone.signal }).catch(() => undefined);
        setTimeout(() => gone.abort(), 5);
        await pending;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    gate,
    sent: () => sent,
    async stop() {
      running = false;
      await Promise.all([clients, background]);
      await gate.close();
      await peer.close();
      await flaky.close();
    },
  };
}
