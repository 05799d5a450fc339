import { expect } from 'chai';
import { buildHashGraph, evaluateGraph } from '../../lib/generator/blake2b-graph.js';
import { Searcher, searchModuleBytes } from '../../lib/generator/wasm.js';
import { DEV_BASE, DEV_RECEIVE, IMPOSSIBLE, oracleConfirmsValue, randomRoot, VECTORS } from './helpers.js';
import { ReferenceHasher, referenceWorkValue } from './reference.js';

const hexBytes = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const randomU64 = (): bigint => new DataView(randomRoot().buffer).getBigUint64(0);

describe('generator/wasm: the emitted search kernel', () => {
  const searcher = new Searcher();

  it('is a valid, small module', () => {
    const bytes = searchModuleBytes();
    expect((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes)).to.equal(true);
    expect(bytes.length < 64 * 1024, `module is ${bytes.length} bytes`).to.equal(true);
  });

  it('computes the spec test vectors', () => {
    for (const [root, work, value] of VECTORS) {
      const bytes = hexBytes(root);
      expect(searcher.setRoot(bytes).value(work), `root ${root} work ${work.toString(16)}`).to.equal(value);
      expect(referenceWorkValue(bytes, work), 'JS reference').to.equal(value);
    }
  });

  it('equals the JS reference for many random root/nonce pairs', () => {
    for (let r = 0; r < 50; r++) {
      const root = randomRoot();
      const ref = new ReferenceHasher(root);
      searcher.setRoot(root);
      for (let i = 0; i < 40; i++) {
        const nonce = randomU64();
        expect(searcher.value(nonce)).to.equal(ref.value(nonce));
      }
    }
  });

  it('equals the independent oracle (nanocurrency) exactly', () => {
    for (let i = 0; i < 200; i++) {
      const root = randomRoot();
      const nonce = randomU64();
      const value = searcher.setRoot(root).value(nonce);
      expect(oracleConfirmsValue(root, nonce, value), `root ${Buffer.from(root).toString('hex')} nonce ${nonce}`).to.equal(true);
    }
  });

  it('matches the bigint evaluation of the graph it was emitted from', () => {
    const graph = buildHashGraph();
    for (let i = 0; i < 20; i++) {
      const root = randomRoot();
      const view = new DataView(root.buffer);
      const nonce = randomU64();
      const words = [0, 1, 2, 3].map((w) => view.getBigUint64(8 * w, true));
      const expected = evaluateGraph(graph, {
        nonce,
        root0: words[0]!,
        root1: words[1]!,
        root2: words[2]!,
        root3: words[3]!,
      });
      expect(searcher.setRoot(root).value(nonce)).to.equal(expected);
    }
  });

  it('handles the extreme nonces and wraps around 2^64', () => {
    const root = randomRoot();
    const ref = new ReferenceHasher(root);
    searcher.setRoot(root);
    for (const nonce of [0n, 1n, 0x7fffffffffffffffn, 0x8000000000000000n, IMPOSSIBLE]) {
      expect(searcher.value(nonce)).to.equal(ref.value(nonce));
    }
    const exhausted = searcher.search(IMPOSSIBLE, IMPOSSIBLE - 1n, 4);
    expect(exhausted.found).to.equal(false);
    expect(exhausted.nonce, 'next untried nonce after wrapping').to.equal(2n);
  });

  it('returns the first nonce that meets the target, and the value it reached', () => {
    for (const target of [DEV_RECEIVE, DEV_BASE, 0x8000000000000000n]) {
      for (let r = 0; r < 10; r++) {
        const root = randomRoot();
        const ref = new ReferenceHasher(root);
        const start = randomU64();
        const result = searcher.setRoot(root).search(target, start, 1 << 20);
        expect(result.found).to.equal(true);
        expect(result.value! >= target).to.equal(true);
        expect(result.value).to.equal(ref.value(result.nonce));
        expect(oracleConfirmsValue(root, result.nonce, result.value!)).to.equal(true);
        for (let n = start; n !== result.nonce; n = BigInt.asUintN(64, n + 1n)) {
          expect(ref.value(n) < target, `nonce ${n} already met the target`).to.equal(true);
        }
      }
    }
  });

  it('compares all 64 bits unsigned: a value meets itself but not value + 1', () => {
    let highBitSeen = false;
    for (let i = 0; i < 200; i++) {
      const root = randomRoot();
      const nonce = randomU64();
      const value = searcher.setRoot(root).value(nonce);
      highBitSeen ||= value >= 1n << 63n;
      expect(searcher.search(value, nonce, 1).found).to.equal(true);
      if (value !== IMPOSSIBLE) expect(searcher.search(value + 1n, nonce, 1).found).to.equal(false);
      if (value > 0n) expect(searcher.search(value - 1n, nonce, 1).found).to.equal(true);
    }
    expect(highBitSeen).to.equal(true);
  });

  it('tries count nonces and reports where to resume; count 0 tries none', () => {
    searcher.setRoot(randomRoot());
    const start = randomU64();
    const r = searcher.search(IMPOSSIBLE, start, 1000);
    expect(r).to.deep.equal({ found: false, nonce: BigInt.asUintN(64, start + 1000n), value: undefined });
    expect(searcher.search(0n, start, 0)).to.deep.equal({ found: false, nonce: start, value: undefined });
  });
});
