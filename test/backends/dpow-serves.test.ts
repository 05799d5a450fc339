import { expect } from 'chai';
import { DPOW_MAX_TARGET, dpowServes } from '../../lib/backends/dpow-serves.js';

describe('dpowServes', () => {
  it('serves Nano targets up to the send base, and nothing on Banano', () => {
    expect(dpowServes(DPOW_MAX_TARGET, 'nano')).to.equal(true);
    expect(dpowServes(0xfffffe0000000000n, 'nano')).to.equal(true);
    expect(dpowServes(DPOW_MAX_TARGET + 1n, 'nano')).to.equal(false);
    expect(dpowServes(0xfffffe0000000000n, 'banano')).to.equal(false);
    expect(dpowServes(0xffc0000000000000n, 'nano-dev')).to.equal(true);
  });
});
