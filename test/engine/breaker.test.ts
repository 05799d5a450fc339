import { expect } from 'chai';
import { CircuitBreaker } from '../../lib/engine/breaker.js';

describe('CircuitBreaker', () => {
  let now = 0;
  const clock = () => now;
  const make = () => new CircuitBreaker({ failures: 3, cooldown: 1000, maxCooldown: 4000 }, clock);
  beforeEach(() => {
    now = 0;
  });

  it('opens after consecutive failures only', () => {
    const b = make();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    expect(b.state).to.equal('closed');
    b.failure();
    expect(b.state).to.equal('open');
    expect(b.tryAcquire()).to.equal(false);
    expect(b.retryIn).to.equal(1000);
  });

  it('lets one probe through after the cool-down; success closes', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.failure();
    now = 1000;
    expect(b.state).to.equal('half_open');
    expect(b.tryAcquire()).to.equal(true);
    expect(b.tryAcquire()).to.equal(false);
    b.success();
    expect(b.state).to.equal('closed');
    expect(b.tryAcquire()).to.equal(true);
  });

  it('a failed probe doubles the cool-down up to the cap', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.failure();
    for (const expected of [2000, 4000, 4000]) {
      now += b.retryIn;
      expect(b.tryAcquire()).to.equal(true);
      b.failure();
      expect(b.state).to.equal('open');
      expect(b.retryIn).to.equal(expected);
    }
  });

  it('a probe released without a verdict lets the next one through', () => {
    const b = make();
    for (let i = 0; i < 3; i++) b.failure();
    now = 1000;
    expect(b.tryAcquire()).to.equal(true);
    b.release();
    expect(b.tryAcquire()).to.equal(true);
  });

  it('trip() opens at once for the longest cool-down, failed probes keep it there, success resets', () => {
    const b = make();
    b.trip();
    expect(b.state).to.equal('open');
    expect(b.retryIn).to.equal(4000);
    now += 4000;
    expect(b.tryAcquire()).to.equal(true);
    b.failure();
    expect(b.retryIn).to.equal(4000);
    now += 4000;
    expect(b.tryAcquire()).to.equal(true);
    b.trip();
    expect(b.retryIn).to.equal(4000);
    now += 4000;
    expect(b.tryAcquire()).to.equal(true);
    b.success();
    for (let i = 0; i < 3; i++) b.failure();
    expect(b.retryIn).to.equal(1000);
  });
  it('tells each transition once: open, half-open when the probe goes out, closed; not the passing of time', () => {
    const seen: string[] = [];
    const b = new CircuitBreaker({ failures: 2, cooldown: 1000, maxCooldown: 4000 }, clock, (state, from) => seen.push(`${from}>${state}`));
    b.failure();
    b.success();
    expect(seen).to.deep.equal([]);
    b.failure();
    b.failure();
    now = 1000;
    expect(b.state).to.equal('half_open');
    expect(seen).to.deep.equal(['closed>open']);
    expect(b.tryAcquire()).to.equal(true);
    b.failure();
    now = 3000;
    expect(b.tryAcquire()).to.equal(true);
    b.success();
    b.trip();
    b.trip();
    expect(seen).to.deep.equal(['closed>open', 'open>half_open', 'half_open>open', 'open>half_open', 'half_open>closed', 'closed>open']);
  });
});
