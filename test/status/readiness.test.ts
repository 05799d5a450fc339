import { expect } from 'chai';
import { assessReadiness, type BackendView } from '../../lib/status/readiness.js';

const closed = (name: string): BackendView => ({ name, circuit: 'closed', retryIn: 0 });
const open = (name: string): BackendView => ({ name, circuit: 'open', retryIn: 2500 });

describe('assessReadiness', () => {
  const base = { configLoaded: true, cacheKind: 'redis', cacheReachable: true };

  it('is ready with one usable backend in any tier', () => {
    const r = assessReadiness({ ...base, tiers: [[open('a')], [closed('b')]] });
    expect(r).to.deep.equal({
      ready: true,
      degraded: false,
      checks: { config: true, backends: true, cache: true },
      reasons: [],
      degradedReasons: [],
    });
  });

  it('counts a half-open circuit as usable: the next request is its probe', () => {
    expect(assessReadiness({ ...base, tiers: [[{ name: 'a', circuit: 'half_open', retryIn: 0 }]] }).ready).to.equal(true);
  });

  it('is not ready when every circuit is open, and says which and for how long', () => {
    const r = assessReadiness({ ...base, tiers: [[open('a')], [open('b')]] });
    expect(r.ready).to.equal(false);
    expect(r.checks.backends).to.equal(false);
    expect(r.reasons).to.deep.equal(['no backend can take work (a: circuit open, next probe in 2.5s; b: circuit open, next probe in 2.5s)']);
  });

  it("takes a backend's own config_error or down as unusable, degraded as usable", () => {
    const bad: BackendView = { name: 'dpow', circuit: 'closed', retryIn: 0, health: { state: 'config_error', detail: 'api key rejected' } };
    const down: BackendView = { name: 'boom', circuit: 'closed', retryIn: 0, health: { state: 'down' } };
    const r = assessReadiness({ ...base, tiers: [[bad, down]] });
    expect(r.ready).to.equal(false);
    expect(r.reasons[0]).to.include('dpow: config_error: api key rejected').and.include('boom: down');
    const degraded: BackendView = { name: 'd', circuit: 'closed', retryIn: 0, health: { state: 'degraded' } };
    expect(assessReadiness({ ...base, tiers: [[bad], [degraded]] }).ready).to.equal(true);
  });

  it('is not ready when the config is not loaded', () => {
    const r = assessReadiness({ ...base, configLoaded: false, tiers: [[closed('a')]] });
    expect(r.ready).to.equal(false);
    expect(r.checks).to.deep.equal({ config: false, backends: true, cache: true });
    expect(r.reasons).to.deep.equal(['configuration not loaded']);
  });

  it('is ready but degraded when the cache does not answer: work is still served, as misses', () => {
    const r = assessReadiness({ ...base, cacheReachable: false, tiers: [[closed('a')]] });
    expect(r.ready).to.equal(true);
    expect(r.degraded).to.equal(true);
    expect(r.checks).to.deep.equal({ config: true, backends: true, cache: false });
    expect(r.reasons).to.deep.equal([]);
    expect(r.degradedReasons).to.deep.equal(['cache (redis) does not answer: every lookup is a miss']);
  });
});
