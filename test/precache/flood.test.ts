import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { type FakeBlock, FakeNode, randomAccount, randomHash } from '../fakes/node.js';
import { SerialBackend } from '../fakes/serial-backend.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';
import { DEV_SEND, metric, until } from './helpers.js';

const JOB_MS = 500;

async function timedRequests(gate: Powgate, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const answer = await rpc(gate.url, { action: 'work_generate', hash: randomHash(), difficulty: DEV_SEND.toString(16) });
    expect(answer.json.work, answer.text).to.match(/^[0-9a-f]{16}$/);
    times.push(performance.now() - started);
  }
  return times;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

describe('precache under a flood of confirmations', function () {
  this.timeout(60_000);
  let node: FakeNode;
  let gate: Powgate | undefined;
  afterEach(async () => {
    await gate?.close();
    await node.close();
  });

  it('10,000 confirmations: the queue stays bounded and client requests on the shared work source are not slowed', async () => {
    node = await new FakeNode().start();
    // One device shared by client and precache work, one job at a time: the case where precache could hurt.
    const device = new SerialBackend('gpu', JOB_MS);
    const accounts = Array.from({ length: 200 }, randomAccount);
    gate = await startTestPowgate(
      {
        node: { websocket: node.wsUrl },
        backends: { gpu: { type: 'local', cpu_threads: 1 } },
        precache: { accounts, max_queue: 100, concurrency: 1, ping_interval: '2s' },
      },
      new Map([['gpu', device]]),
    );
    const g = gate;
    await until(() => g.precache.status().websocket === 'connected', 'subscribed');

    const baseline = await timedRequests(g, 4);

    // 50 blocks on each of 200 chains, in order.
    const blocks: FakeBlock[] = [];
    for (let round = 0; round < 50; round++) for (const account of accounts) blocks.push(node.block(account));
    let maxDepth = 0;
    const sampler = setInterval(() => {
      maxDepth = Math.max(maxDepth, g.precache.status().queueDepth);
    }, 2);
    let during: number[];
    try {
      for (const block of blocks) node.confirm(block);
      await until(async () => (await metric(g, 'powgate_precache_confirmations_total{trigger="websocket",outcome="new"}')) === 10_000, 'flood read', 20_000);
      await until(() => device.calls.some((c) => c.started !== undefined && c.outcome === undefined), 'precache busy on the device');
      during = await timedRequests(g, 4);
    } finally {
      // Also when a wait above fails: a running interval keeps mocha from exiting.
      clearInterval(sampler);
    }

    const status = g.precache.status();
    // Bounded, and actually used: a queue that never filled would prove nothing.
    expect(maxDepth).to.be.within(1, 100);
    expect(status.queueDepth).to.be.at.most(100);
    expect(status.jobs.queued).to.equal(10_000);
    // Every block but the newest of each chain went stale or overflowed the queue.
    expect(status.jobs.dropped).to.be.at.least(9_000);
    // Waiting behind a precache job would add up to a whole JOB_MS to each request.
    expect(median(during), `baseline ${baseline.map(Math.round)} ms, during the flood ${during.map(Math.round)} ms`).to.be.below(median(baseline) + JOB_MS / 2);
  });
});
