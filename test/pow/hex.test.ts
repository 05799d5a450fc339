import { expect } from 'chai';
import { bytesToHex, formatWorkHex, hexToBytes, parseRootHex, parseWorkHex } from '../../lib/pow/hex.js';

describe('pow/hex', () => {
  describe('parseWorkHex', () => {
    it('reads 1 to 16 hex digits in any case', () => {
      expect(parseWorkHex('0')).to.equal(0n);
      expect(parseWorkHex('f')).to.equal(15n);
      expect(parseWorkHex('2b3d689bbcb21dca')).to.equal(0x2b3d689bbcb21dcan);
      expect(parseWorkHex('2B3D689BBCB21DCA')).to.equal(0x2b3d689bbcb21dcan);
      expect(parseWorkHex('FffFffF800000000')).to.equal(0xfffffff800000000n);
      expect(parseWorkHex('ffffffffffffffff')).to.equal(0xffffffffffffffffn);
    });

    it('rejects empty, 17 digits, non-hex, signs, prefixes and spaces', () => {
      for (const bad of ['', '0ffffffffffffffff', '1ffffffffffffffff', 'g', '2b3d689bbcb21dcz', '-1', '+1', '0x1f', ' 1', '1 ', '1.0']) {
        expect(parseWorkHex(bad), JSON.stringify(bad)).to.equal(undefined);
      }
    });
  });

  describe('formatWorkHex', () => {
    it('writes 16 lower-case digits, zero-padded', () => {
      expect(formatWorkHex(0n)).to.equal('0000000000000000');
      expect(formatWorkHex(0xabcn)).to.equal('0000000000000abc');
      expect(formatWorkHex(0xfffffff93c41ec94n)).to.equal('fffffff93c41ec94');
    });

    it('refuses values outside u64', () => {
      expect(() => formatWorkHex(-1n)).to.throw(RangeError);
      expect(() => formatWorkHex(1n << 64n)).to.throw(RangeError);
    });
  });

  describe('parseRootHex', () => {
    const v1 = '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2';

    it('returns 64 upper-case digits for 64 digits of any case', () => {
      expect(parseRootHex(v1)).to.equal(v1);
      expect(parseRootHex(v1.toLowerCase())).to.equal(v1);
    });

    it('reads short input as a number and left-pads it', () => {
      expect(parseRootHex('1')).to.equal('0'.repeat(63) + '1');
      expect(parseRootHex('aBc')).to.equal('0'.repeat(61) + 'ABC');
      expect(parseRootHex('0')).to.equal('0'.repeat(64));
    });

    it('rejects empty, 65 digits and non-hex', () => {
      for (const bad of ['', '0' + v1, v1 + 'A', v1.slice(0, 63) + 'G', 'nano_1', '0x12', ' 12']) {
        expect(parseRootHex(bad), JSON.stringify(bad)).to.equal(undefined);
      }
    });
  });

  describe('hexToBytes / bytesToHex', () => {
    it('round-trips and writes upper case', () => {
      const bytes = hexToBytes('00ff10aB');
      expect([...bytes]).to.deep.equal([0x00, 0xff, 0x10, 0xab]);
      expect(bytesToHex(bytes)).to.equal('00FF10AB');
      expect(bytesToHex(new Uint8Array(0))).to.equal('');
    });

    it('decodes every byte value in either case', () => {
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      const upper = bytesToHex(all);
      expect(upper).to.equal(Buffer.from(all).toString('hex').toUpperCase());
      expect([...hexToBytes(upper)]).to.deep.equal([...all]);
      expect([...hexToBytes(upper.toLowerCase())]).to.deep.equal([...all]);
    });

    it('rejects odd lengths and non-hex', () => {
      expect(() => hexToBytes('abc')).to.throw(TypeError);
      expect(() => hexToBytes('zz')).to.throw(TypeError);
    });
  });
});
