import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { validateWork } from 'nanocurrency';
import { blake2b, workValue } from '../../lib/pow/blake2b.js';
import { hexToBytes } from '../../lib/pow/hex.js';
import { formatMultiplier, toMultiplier } from '../../lib/pow/multiplier.js';
import { NETWORKS } from '../../lib/pow/networks.js';
import { meetsTarget } from '../../lib/pow/validate.js';
import { generateWorkValueSource } from '../../scripts/gen-work-value.js';
import { hex, Rng } from './helpers.js';

const NANO_SEND = 0xfffffff800000000n;
const EPOCH_1 = 0xffffffc000000000n;
const RECEIVE = 0xfffffe0000000000n; // Nano receive/open/epoch, every Banano block
const BANANO_UNIT = 0xfffffe0000000000n; // the spec's "mult (Banano)" column is relative to this

interface Vector {
  name: string;
  root: string;
  work: string;
  value: bigint;
  meets: { send: boolean; epoch1: boolean; receive: boolean };
  nano?: string;
  banano?: string;
}

const ALL = { send: true, epoch1: true, receive: true };
const NONE = { send: false, epoch1: false, receive: false };
const V1_ROOT = '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2';

// spec §6
const VECTORS: Vector[] = [
  { name: 'V1', root: V1_ROOT, work: '2b3d689bbcb21dca', value: 0xfffffff93c41ec94n, meets: ALL, nano: '1.182623871097636', banano: '75.687927750248690' },
  {
    name: 'V2',
    root: V1_ROOT,
    work: '2bf29ef00786a6bc',
    value: 0xffffffd21c3933f4n,
    meets: { send: false, epoch1: true, receive: true },
    nano: '0.174330860917187',
    banano: '11.157175098699938',
  },
  {
    name: 'V3',
    root: 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA',
    work: '62f05417dd3fb691',
    value: 0xfffffff4000d3dacn,
    meets: { send: false, epoch1: true, receive: true },
    nano: '0.666677891310542',
    banano: '42.667385043874695',
  },
  {
    name: 'V4',
    root: '2514452A978F08D1CF76BB40B6AD064183CF275D3CC5D3E0515DC96E2112AD4E',
    work: 'fa055f79fa56abcf',
    value: 0xfffffffcc19540e9n,
    meets: ALL,
    nano: '2.466230885829833',
    banano: '157.838776693109338',
  },
  {
    name: 'V7',
    root: 'C05B995C518530876CF8AB876FD93577955A51D05971A19CDE243514B5A25F47',
    work: '64277ffb135de20c',
    value: 0xfffffffa780aff94n,
    meets: ALL,
    nano: '1.446371567420591',
    banano: '92.567780314917854',
  },
  {
    name: 'V8',
    root: '3F93C5CD2E314FA16702189041E68E68C07B27961BF37F0B7705145BEFBA3AA3',
    work: '205452237a9b01f4',
    value: 0xffffffff287741bfn,
    meets: ALL,
    nano: '9.501974378880858',
    banano: '608.126360248374908',
  },
  { name: 'V9', root: 'F1C59E6C738BB82221E082910740BADC58301F8F32291E07CCC4CDBEEAD44348', work: '205452237a9b01f4', value: 0xe4b415cbdd3dc067n, meets: NONE },
  {
    name: 'V13',
    root: 'E2D8BD730E1512568378EC61A2367431F8AC35E66C46508CD0F9F3BCD94DE29B',
    work: '0000000000000000',
    value: 0xfffffe969af69900n,
    meets: { send: false, epoch1: false, receive: true },
    nano: '0.022136463428063',
    banano: '1.416733659396007',
  },
  {
    name: 'V14',
    root: '9DB2961B2D01D49C53AE6C9E513BC51AC04273CD4DAC4277F82B44B4F084A91A',
    work: 'b2ff948c874e7d62',
    value: 0xfffffffb301de30fn,
    meets: ALL,
    nano: '1.662495202500556',
    banano: '106.399692960035580',
  },
  { name: 'V18', root: '3ED191EC702F384514BA35E1F9081148DF5A9AB48FE0F604B6E5B9F7177CEE32', work: 'bb6737f2daf01a2c', value: 0x74bbaa4490886de7n, meets: NONE },
];

describe('pow/blake2b', () => {
  describe('workValue: spec §6 vectors', () => {
    for (const v of VECTORS) {
      it(`${v.name}: value ${v.value.toString(16)}`, () => {
        const root = hexToBytes(v.root);
        const work = BigInt('0x' + v.work);
        expect(workValue(root, work).toString(16)).to.equal(v.value.toString(16));
        expect(meetsTarget(root, work, NANO_SEND), 'Nano send').to.equal(v.meets.send);
        expect(meetsTarget(root, work, EPOCH_1), 'epoch 1').to.equal(v.meets.epoch1);
        expect(meetsTarget(root, work, RECEIVE), 'receive / Banano').to.equal(v.meets.receive);
        // The boundary is inclusive.
        expect(meetsTarget(root, work, v.value)).to.equal(true);
        expect(meetsTarget(root, work, v.value + 1n)).to.equal(false);
        if (v.nano !== undefined) expect(formatMultiplier(toMultiplier(v.value, NETWORKS.nano.base))).to.equal(v.nano);
        if (v.banano !== undefined) expect(formatMultiplier(toMultiplier(v.value, BANANO_UNIT))).to.equal(v.banano);
      });
    }
  });

  it('V1 reproduces the docs work_generate difficulty and multiplier', () => {
    const value = workValue(hexToBytes(V1_ROOT), 0x2b3d689bbcb21dcan);
    expect(value).to.equal(0xfffffff93c41ec94n);
    expect(formatMultiplier(toMultiplier(value, NETWORKS.nano.base))).to.equal('1.182623871097636');
  });

  it('agrees with nanocurrency validateWork on 300 random root/work pairs (seed 1)', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 300; i++) {
      const root = rng.bytes(32);
      // Mostly random work, plus the edges of the u64 range.
      const work = i === 0 ? 0n : i === 1 ? 0xffffffffffffffffn : rng.u64();
      const value = workValue(root, work);
      const blockHash = hex(root);
      const workHex = work.toString(16).padStart(16, '0');
      const label = `${blockHash} ${workHex} -> ${value.toString(16)}`;
      expect(validateWork({ blockHash, work: workHex, threshold: value.toString(16).padStart(16, '0') }), label).to.equal(true);
      if (value < 0xffffffffffffffffn) {
        expect(validateWork({ blockHash, work: workHex, threshold: (value + 1n).toString(16).padStart(16, '0') }), label).to.equal(false);
      }
    }
  });

  it('equals the general blake2b over work LE || root', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 100; i++) {
      const root = rng.bytes(32);
      const work = rng.u64();
      const input = new Uint8Array(40);
      new DataView(input.buffer).setBigUint64(0, work, true);
      input.set(root, 8);
      const digest = blake2b(input, 8);
      expect(workValue(root, work)).to.equal(new DataView(digest.buffer).getBigUint64(0, true));
    }
  });

  it('accepts a root that is a view into a larger buffer', () => {
    const backing = new Uint8Array(40).fill(0xee);
    backing.set(hexToBytes(V1_ROOT), 5);
    expect(workValue(backing.subarray(5, 37), 0x2b3d689bbcb21dcan)).to.equal(0xfffffff93c41ec94n);
  });

  it('rejects roots that are not 32 bytes and work outside u64', () => {
    expect(() => workValue(new Uint8Array(31), 0n)).to.throw(RangeError);
    expect(() => workValue(new Uint8Array(33), 0n)).to.throw(RangeError);
    expect(() => workValue(new Uint8Array(32), -1n)).to.throw(RangeError);
    expect(() => workValue(new Uint8Array(32), 1n << 64n)).to.throw(RangeError);
  });

  it('lib/pow/work-value.ts is the output of scripts/gen-work-value.ts', () => {
    const checkedIn = readFileSync(new URL('../../lib/pow/work-value.ts', import.meta.url), 'utf8');
    expect(checkedIn === generateWorkValueSource(), 'regenerate with: npm run gen:work-value').to.equal(true);
  });

  describe('general blake2b', () => {
    it('matches node:crypto BLAKE2b-512 across block boundaries', () => {
      const rng = new Rng(3);
      for (const n of [0, 1, 40, 127, 128, 129, 255, 256, 257, 1000]) {
        const input = rng.bytes(n);
        expect(hex(blake2b(input, 64)), `length ${n}`).to.equal(createHash('blake2b512').update(input).digest('hex'));
      }
    });

    it('puts the digest length in the parameter block rather than truncating', () => {
      const input = new TextEncoder().encode('abc');
      const full = blake2b(input, 64);
      expect(hex(blake2b(input, 8))).to.not.equal(hex(full.subarray(0, 8)));
      expect(blake2b(input, 5)).to.have.length(5);
    });

    it('rejects digest lengths outside 1..64', () => {
      for (const bad of [0, 65, 1.5]) expect(() => blake2b(new Uint8Array(1), bad), String(bad)).to.throw(RangeError);
    });
  });
});
