import { expect } from 'chai';
import { createWorkCache } from '../../lib/cache/index.js';
import { WorkService } from '../../lib/engine/service.js';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import { SerialBackend } from '../fakes/serial-backend.js';
import { randomRoot } from '../helpers/powgate.js';

const DEV_BASE = 0xffc0000000000000n;
const DEV_RECEIVE = 0xf000000000000000n;
const BREAKER = { failures: 3, cooldown: 5000, maxCooldown: 60_000 };

function service(tiers: SerialBackend[][], precacheTiers: SerialBackend[][]): WorkService {
  return new WorkService({
    tiers: tiers.map((backends) => ({ backends })),
    precacheTiers: precacheTiers.map((backends) => ({ backends })),
    cache: createWorkCache({ url: 'memory', maxEntries: 100, ttl: 60_000 }, () => {}),
    timeout: 10_000,
    breaker: BREAKER,
  });
}

describe('engine: precache priority', () => {
  it('precache work uses its own tiers, is no request, and a client answered from it counts as a precache hit', async () => {
    const demandOnly = new SerialBackend('demand-only', 0);
    const cheap = new SerialBackend('cheap', 0);
    const svc = service([[demandOnly], [cheap]], [[cheap]]);
    const events: string[] = [];
    svc.events.on('request', () => events.push('request'));
    svc.events.on('cache', (e) => events.push(`cache:${e.outcome}${e.precached ? ':precached' : ''}`));
    const root = randomRoot();
    const made = await svc.generate({ root, target: DEV_RECEIVE }, { priority: 'precache' });
    expect(made.source).to.equal('cheap');
    expect(demandOnly.calls).to.have.length(0);
    expect(events).to.deep.equal([]);
    // Asking again for precache is a quiet cache hit.
    expect((await svc.generate({ root, target: DEV_RECEIVE }, { priority: 'precache' })).source).to.equal('cache');
    expect(events).to.deep.equal([]);
    const answered = await svc.generate({ root, target: DEV_RECEIVE });
    expect(answered.source).to.equal('cache');
    expect(answered.work).to.equal(made.work);
    expect(events).to.deep.equal(['request', 'cache:hit:precached']);
    // Work a client asked for is not precached work.
    const other = randomRoot();
    await svc.generate({ root: other, target: DEV_RECEIVE });
    await svc.generate({ root: other, target: DEV_RECEIVE });
    expect(events.slice(2)).to.deep.equal(['request', 'cache:miss', 'request', 'cache:hit']);
  });

  it('a client asking for a root being precached moves the job onto the full chain: one job, no wait on the cheap tier', async () => {
    const fast = new SerialBackend('fast', 20);
    const slow = new SerialBackend('slow', 60_000);
    const svc = service([[fast], [slow]], [[slow]]);
    const jobs: string[] = [];
    svc.events.on('job', (e) => jobs.push(`${e.phase}:${e.priority}`));
    const root = randomRoot();
    const precached = svc.generate({ root, target: DEV_RECEIVE }, { priority: 'precache' });
    await new Promise((r) => setTimeout(r, 20));
    expect(slow.calls).to.have.length(1);
    const started = Date.now();
    const answer = await svc.generate({ root, target: DEV_BASE });
    expect(Date.now() - started).to.be.below(5000);
    expect(answer.source).to.equal('fast');
    expect(workValue(hexToBytes(root), answer.work) >= DEV_BASE).to.equal(true);
    // The precache waiter shares the job and its (higher) work.
    expect((await precached).work).to.equal(answer.work);
    expect(slow.calls[0]?.outcome).to.equal('aborted');
    expect(jobs).to.deep.equal(['start:precache', 'end:demand']);
    expect(svc.inFlight).to.equal(0);
  });

  it('announces demand before a client job starts its backends, and counts jobs with a client', async () => {
    const backend = new SerialBackend('b', 50);
    const svc = service([[backend]], [[backend]]);
    const seen: Array<[number, number]> = [];
    svc.events.on('demand', (e) => seen.push([e.jobs, backend.calls.length]));
    const root = randomRoot();
    const precache = svc.generate({ root: randomRoot(), target: DEV_RECEIVE }, { priority: 'precache' });
    await new Promise((r) => setTimeout(r, 5));
    expect(svc.demandInFlight).to.equal(0);
    const a = svc.generate({ root, target: DEV_RECEIVE });
    const b = svc.generate({ root, target: DEV_RECEIVE });
    await new Promise((r) => setTimeout(r, 5));
    expect(svc.demandInFlight).to.equal(1);
    await Promise.all([a, b, precache]);
    expect(svc.demandInFlight).to.equal(0);
    // [jobs, backend calls when announced]: the precache call was made, the client's not yet.
    expect(seen).to.deep.equal([
      [1, 1],
      [0, 2],
    ]);
  });
});
