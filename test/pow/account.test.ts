import { expect } from 'chai';
import { checkAddress, deriveAddress } from 'nanocurrency';
import { decodeAccount, encodeAccount } from '../../lib/pow/account.js';
import { bytesToHex } from '../../lib/pow/hex.js';
import { Rng } from './helpers.js';

const NANO = ['nano_', 'xrb_'] as const;
const BANANO = ['ban_'] as const;

// Live genesis account; its key is the root of spec vector V3.
const GENESIS = 'nano_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3';
const GENESIS_KEY = 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA';
// Banano genesis; its key is the root of spec vector V4.
const BANANO_GENESIS = 'ban_1bananobh5rat99qfgt1ptpieie5swmoth87thi74qgbfrij7dcgjiij94xr';
const BANANO_GENESIS_KEY = '2514452A978F08D1CF76BB40B6AD064183CF275D3CC5D3E0515DC96E2112AD4E';

function replaceAt(s: string, i: number, c: string): string {
  return s.slice(0, i) + c + s.slice(i + 1);
}

function key(address: string, prefixes: readonly string[]): string | undefined {
  const bytes = decodeAccount(address, prefixes);
  return bytes === undefined ? undefined : bytesToHex(bytes);
}

describe('pow/account', () => {
  it('decodes the genesis accounts', () => {
    expect(key(GENESIS, NANO)).to.equal(GENESIS_KEY);
    expect(key(BANANO_GENESIS, BANANO)).to.equal(BANANO_GENESIS_KEY);
  });

  it('decodes nano_ and xrb_ forms to the same key', () => {
    const xrb = 'xrb_' + GENESIS.slice('nano_'.length);
    expect(key(xrb, NANO)).to.equal(GENESIS_KEY);
  });

  it('matches nanocurrency deriveAddress/checkAddress for random keys (seed 5)', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) {
      const publicKey = rng.bytes(32);
      if (i === 0) publicKey.fill(0);
      if (i === 1) publicKey.fill(0xff);
      const hexKey = bytesToHex(publicKey);
      const nano = encodeAccount(publicKey, 'nano_');
      expect(nano).to.equal(deriveAddress(hexKey, { useNanoPrefix: true }));
      expect(encodeAccount(publicKey, 'xrb_')).to.equal(deriveAddress(hexKey));
      expect(checkAddress(nano)).to.equal(true);
      expect(key(nano, NANO)).to.equal(hexKey);
      expect(key('xrb_' + nano.slice(5), NANO)).to.equal(hexKey);
      const ban = encodeAccount(publicKey, 'ban_');
      expect(ban.slice(4)).to.equal(nano.slice(5));
      expect(key(ban, BANANO)).to.equal(hexKey);
    }
  });

  it('rejects any single changed character (checksum)', () => {
    const body = GENESIS.slice(5);
    // Positions in the key and in the checksum part.
    for (const i of [1, 10, 30, 51, 52, 55, 59]) {
      const original = body.charAt(i);
      const changed = replaceAt(body, i, original === 'a' ? 'b' : 'a');
      const address = 'nano_' + changed;
      expect(key(address, NANO), `position ${i}`).to.equal(undefined);
      expect(checkAddress(address), `oracle, position ${i}`).to.equal(false);
    }
  });

  it('rejects non-zero padding bits even when the checksum matches', () => {
    // GENESIS starts with '3' (value 1). '5' (value 3) keeps the same key bit
    // and checksum and only sets a padding bit: a decoder that drops the
    // padding without checking it would accept this.
    expect(GENESIS.charAt(5)).to.equal('3');
    expect(key(replaceAt(GENESIS, 5, '5'), NANO)).to.equal(undefined);
    expect(key(replaceAt(GENESIS, 5, 'z'), NANO)).to.equal(undefined);
  });

  it('accepts only the listed prefixes', () => {
    expect(key(GENESIS, BANANO)).to.equal(undefined);
    expect(key('ban_' + GENESIS.slice(5), NANO)).to.equal(undefined);
    expect(key(BANANO_GENESIS, NANO)).to.equal(undefined);
    expect(key('nano-' + GENESIS.slice(5), NANO)).to.equal(undefined);
    expect(key(GENESIS.slice(5), NANO)).to.equal(undefined);
  });

  it('rejects upper case, wrong lengths and characters outside the alphabet', () => {
    expect(key(GENESIS.toUpperCase(), NANO)).to.equal(undefined);
    expect(key('nano_' + GENESIS.slice(5).toUpperCase(), NANO)).to.equal(undefined);
    expect(key(GENESIS.slice(0, -1), NANO)).to.equal(undefined);
    expect(key(GENESIS + '1', NANO)).to.equal(undefined);
    for (const c of ['0', '2', 'l', 'v']) expect(key(replaceAt(GENESIS, 20, c), NANO), c).to.equal(undefined);
    expect(key('', NANO)).to.equal(undefined);
  });

  it('refuses to encode a key that is not 32 bytes', () => {
    expect(() => encodeAccount(new Uint8Array(31), 'nano_')).to.throw(RangeError);
  });
});
