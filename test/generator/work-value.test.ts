import { expect } from 'chai';
import { workValue } from '../../lib/generator/work-value.js';
import { workValue as referenceWorkValue } from '../../lib/pow/index.js';

describe("generator work-value: the WASM kernel computes lib/pow's workValue", () => {
  it('agrees with the pure-JS reference on random roots and nonces, the u64 extremes included', () => {
    const nonces = [0n, 1n, 0xffffffffffffffffn, 0x8000000000000000n];
    for (let i = 0; i < 200; i++) {
      const root = crypto.getRandomValues(new Uint8Array(32));
      const words = crypto.getRandomValues(new BigUint64Array(1));
      for (const work of [...nonces, words[0] as bigint]) expect(workValue(root, work)).to.equal(referenceWorkValue(root, work));
    }
  });

  it('a root inside a larger buffer (a subarray) reads only its own 32 bytes', () => {
    const buffer = crypto.getRandomValues(new Uint8Array(96));
    const root = buffer.subarray(32, 64);
    expect(workValue(root, 42n)).to.equal(referenceWorkValue(root, 42n));
  });

  it('refuses what the reference refuses: a root that is not 32 bytes, work outside u64', () => {
    expect(() => workValue(new Uint8Array(31), 1n)).to.throw(RangeError);
    expect(() => workValue(new Uint8Array(32), -1n)).to.throw(RangeError);
    expect(() => workValue(new Uint8Array(32), 0x10000000000000000n)).to.throw(RangeError);
  });
});
