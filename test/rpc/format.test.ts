import { expect } from 'chai';
import { bytesToHex, formatMultiplier, formatWorkHex, toMultiplier } from '../../lib/pow/index.js';
import { nodeJson, workBody } from '../../lib/rpc/format.js';
import { Rng } from '../pow/helpers.js';

describe('rpc/format', () => {
  it('writes the work_generate body byte for byte as the node JSON writer does', () => {
    const rng = new Rng(5);
    for (const base of [0xfffffff800000000n, 0xfffffe0000000000n, 0xf000000000000000n]) {
      for (let i = 0; i < 500; i++) {
        const root = bytesToHex(Uint8Array.from({ length: 32 }, () => Number(rng.u64() & 0xffn)));
        const work = rng.u64();
        const value = i === 0 ? 0n : i === 1 ? 0xffffffffffffffffn : rng.u64();
        const expected = nodeJson({
          hash: root,
          work: formatWorkHex(work),
          difficulty: formatWorkHex(value),
          multiplier: formatMultiplier(toMultiplier(value, base)),
        });
        expect(workBody(root, work, value, base)).to.equal(expected);
      }
    }
  });
});
