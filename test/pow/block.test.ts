import { expect } from 'chai';
import { createBlock, deriveAddress, derivePublicKey, deriveSecretKey } from 'nanocurrency';
import { encodeAccount } from '../../lib/pow/account.js';
import { parseBlock } from '../../lib/pow/block.js';
import { hexToBytes } from '../../lib/pow/hex.js';

const NANO = ['nano_', 'xrb_'] as const;
const BANANO = ['ban_'] as const;

const secretKey = deriveSecretKey('0'.repeat(63) + '1', 0);
const publicKey = derivePublicKey(secretKey); // 66327FFE…4EAB
const address = deriveAddress(publicKey, { useNanoPrefix: true });
const PREVIOUS = '9DB2961B2D01D49C53AE6C9E513BC51AC04273CD4DAC4277F82B44B4F084A91A';
const SOURCE = '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2';
const SIGNATURE = 'A'.repeat(128);

// State blocks as nanocurrency builds and signs them; the account comes out
// with the xrb_ prefix.
const stateOpen: Record<string, unknown> = {
  ...createBlock(secretKey, { work: 'b2ff948c874e7d62', previous: null, representative: address, balance: '1000', link: SOURCE }).block,
};
const stateSend: Record<string, unknown> = {
  ...createBlock(secretKey, { work: '2b3d689bbcb21dca', previous: PREVIOUS, representative: address, balance: '0', link: address }).block,
};

// nano-node's live genesis block (legacy open, spec V3).
const genesisOpen = {
  type: 'open',
  source: 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA',
  representative: 'xrb_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3',
  account: 'xrb_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3',
  work: '62f05417dd3fb691',
  signature: SIGNATURE,
};
const legacySend = {
  type: 'send',
  previous: PREVIOUS,
  destination: address,
  balance: '0000007E37BE2022C0914B2680000000',
  work: '2bf29ef00786a6bc',
  signature: SIGNATURE,
};
const legacyReceive = { type: 'receive', previous: PREVIOUS, source: SOURCE, work: '2bf29ef00786a6bc', signature: SIGNATURE };
const legacyChange = { type: 'change', previous: PREVIOUS, representative: address, work: '2bf29ef00786a6bc', signature: SIGNATURE };

function without(block: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = { ...block };
  delete copy[field];
  return copy;
}

describe('pow/block', () => {
  describe('state blocks', () => {
    it('roots an opening state block (zero previous) at the account key', () => {
      expect(stateOpen.account).to.match(/^xrb_/);
      expect(parseBlock(stateOpen, NANO)).to.deep.equal({ type: 'state', root: publicKey, work: 0xb2ff948c874e7d62n, account: address });
    });

    it('roots any other state block at previous', () => {
      expect(parseBlock(stateSend, NANO)).to.deep.equal({ type: 'state', root: PREVIOUS, work: 0x2b3d689bbcb21dcan, account: address });
    });

    it('reads a zero previous written short as an open block', () => {
      expect(parseBlock({ ...stateOpen, previous: '0' }, NANO)?.root).to.equal(publicKey);
    });

    it('reads short or lower-case previous as a number', () => {
      expect(parseBlock({ ...stateSend, previous: PREVIOUS.toLowerCase() }, NANO)?.root).to.equal(PREVIOUS);
      expect(parseBlock({ ...stateSend, previous: '1f' }, NANO)?.root).to.equal('0'.repeat(62) + '1F');
    });

    it('accepts link as an account or as hex', () => {
      expect(parseBlock({ ...stateSend, link: address }, NANO)).to.not.equal(undefined);
      expect(parseBlock({ ...stateSend, link: stateSend.link_as_account }, NANO)).to.not.equal(undefined);
      expect(parseBlock({ ...stateSend, link: '0' }, NANO)).to.not.equal(undefined);
    });

    it('needs signature and work', () => {
      expect(parseBlock(without(stateSend, 'signature'), NANO)).to.equal(undefined);
      expect(parseBlock(without(stateSend, 'work'), NANO)).to.equal(undefined);
      expect(parseBlock({ ...stateSend, work: null }, NANO)).to.equal(undefined);
    });

    it('needs every hashable field', () => {
      for (const field of ['account', 'previous', 'representative', 'balance', 'link']) {
        expect(parseBlock(without(stateSend, field), NANO), field).to.equal(undefined);
      }
    });

    it('rejects malformed fields', () => {
      const bad: [string, unknown][] = [
        ['work', ''],
        ['work', '12b3d689bbcb21dca'],
        ['work', '2b3d689bbcb21dcg'],
        ['signature', SIGNATURE + 'A'],
        ['signature', 'Z'.repeat(128)],
        ['signature', ''],
        ['previous', '0' + PREVIOUS],
        ['previous', ''],
        ['account', address.slice(0, -1) + (address.endsWith('1') ? '3' : '1')],
        ['account', PREVIOUS],
        ['representative', 'nano_1'],
        ['link', 'not an account'],
        ['link', '0' + PREVIOUS],
        ['balance', '-1'],
        ['balance', '01'],
        ['balance', '1.5'],
        ['balance', '1e3'],
        ['balance', ''],
        ['balance', '340282366920938463463374607431768211456'], // 2^128
        ['balance', 1000],
        ['type', 'State'],
      ];
      for (const [field, value] of bad) {
        expect(parseBlock({ ...stateSend, [field]: value }, NANO), `${field}: ${String(value)}`).to.equal(undefined);
      }
    });

    it('accepts balances up to 2^128 - 1 and a short signature', () => {
      expect(parseBlock({ ...stateSend, balance: '340282366920938463463374607431768211455' }, NANO)).to.not.equal(undefined);
      expect(parseBlock({ ...stateSend, balance: '0' }, NANO)).to.not.equal(undefined);
      expect(parseBlock({ ...stateSend, signature: '1' }, NANO)).to.not.equal(undefined);
    });

    it('uses the network prefixes, and returns the account with the first one', () => {
      const key = hexToBytes(publicKey);
      const ban = encodeAccount(key, 'ban_');
      const banBlock = { ...stateOpen, account: ban, representative: ban };
      expect(parseBlock(banBlock, BANANO)).to.deep.equal({ type: 'state', root: publicKey, work: 0xb2ff948c874e7d62n, account: ban });
      expect(parseBlock(banBlock, NANO)).to.equal(undefined);
      expect(parseBlock(stateOpen, BANANO)).to.equal(undefined);
    });
  });

  describe('legacy blocks', () => {
    it('roots a legacy open at its account', () => {
      expect(parseBlock(genesisOpen, NANO)).to.deep.equal({
        type: 'open',
        root: 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA',
        work: 0x62f05417dd3fb691n,
        account: 'nano_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3',
      });
    });

    it('roots send, receive and change at previous', () => {
      for (const block of [legacySend, legacyReceive, legacyChange]) {
        expect(parseBlock(block, NANO), block.type).to.deep.equal({ type: block.type, root: PREVIOUS, work: 0x2bf29ef00786a6bcn });
      }
    });

    it('keeps a zero previous as the root of a legacy send', () => {
      expect(parseBlock({ ...legacySend, previous: '0' }, NANO)?.root).to.equal('0'.repeat(64));
    });

    it("needs each type's own fields, signature and work", () => {
      const cases: [Record<string, unknown>, string[]][] = [
        [genesisOpen, ['source', 'representative', 'account', 'signature', 'work']],
        [legacySend, ['previous', 'destination', 'balance', 'signature', 'work']],
        [legacyReceive, ['previous', 'source', 'signature', 'work']],
        [legacyChange, ['previous', 'representative', 'signature', 'work']],
      ];
      for (const [block, fields] of cases) {
        for (const field of fields) expect(parseBlock(without(block, field), NANO), `${String(block.type)} ${field}`).to.equal(undefined);
      }
    });

    it('reads a legacy send balance as up to 32 hex digits', () => {
      expect(parseBlock({ ...legacySend, balance: 'ff' }, NANO)).to.not.equal(undefined);
      expect(parseBlock({ ...legacySend, balance: '0' + legacySend.balance }, NANO)).to.equal(undefined);
      expect(parseBlock({ ...legacySend, balance: '1000g' }, NANO)).to.equal(undefined);
    });

    it('rejects a bad source hash or destination', () => {
      expect(parseBlock({ ...legacyReceive, source: 'xyz' }, NANO)).to.equal(undefined);
      expect(parseBlock({ ...legacySend, destination: PREVIOUS }, NANO)).to.equal(undefined);
    });
  });

  it('rejects unknown types and non-objects', () => {
    expect(parseBlock({ ...legacySend, type: 'epoch' }, NANO)).to.equal(undefined);
    expect(parseBlock(without(legacySend, 'type'), NANO)).to.equal(undefined);
    for (const value of [null, undefined, 'block', 42, [legacySend]]) {
      expect(parseBlock(value, NANO), String(value)).to.equal(undefined);
    }
  });
});
