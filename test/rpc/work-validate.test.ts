import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';

const V1 = '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2';

/** Spec §6: root, work, value, Nano multiplier, Banano multiplier (vs Banano node base fffffff000000000 it differs). */
const VECTORS: Array<[string, string, string, string, string, string]> = [
  ['V1', V1, '2b3d689bbcb21dca', 'fffffff93c41ec94', '1.182623871097636', '1'],
  ['V2', V1, '2bf29ef00786a6bc', 'ffffffd21c3933f4', '0.174330860917187', '0'],
  ['V3', 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA', '62f05417dd3fb691', 'fffffff4000d3dac', '0.666677891310542', '0'],
  ['V4', '2514452A978F08D1CF76BB40B6AD064183CF275D3CC5D3E0515DC96E2112AD4E', 'fa055f79fa56abcf', 'fffffffcc19540e9', '2.466230885829833', '1'],
  ['V7', 'C05B995C518530876CF8AB876FD93577955A51D05971A19CDE243514B5A25F47', '64277ffb135de20c', 'fffffffa780aff94', '1.446371567420591', '1'],
  ['V8', '3F93C5CD2E314FA16702189041E68E68C07B27961BF37F0B7705145BEFBA3AA3', '205452237a9b01f4', 'ffffffff287741bf', '9.501974378880858', '1'],
  ['V13', 'E2D8BD730E1512568378EC61A2367431F8AC35E66C46508CD0F9F3BCD94DE29B', '0000000000000000', 'fffffe969af69900', '0.022136463428063', '0'],
  ['V14', '9DB2961B2D01D49C53AE6C9E513BC51AC04273CD4DAC4277F82B44B4F084A91A', 'b2ff948c874e7d62', 'fffffffb301de30f', '1.662495202500556', '1'],
];

describe('work_validate (node-exact)', () => {
  let nano: Powgate;
  let banano: Powgate;
  before(async () => {
    nano = await startTestPowgate({ network: 'nano' });
    banano = await startTestPowgate({ network: 'banano' });
  });
  after(async () => {
    await nano.close();
    await banano.close();
  });

  for (const [name, hash, work, value, multiplier, validAll] of VECTORS) {
    it(`${name}: value ${value}, multiplier ${multiplier}`, async () => {
      const { status, json } = await rpc(nano.url, { action: 'work_validate', hash, work });
      expect(status).to.equal(200);
      expect(json).to.deep.equal({
        valid_all: validAll,
        valid_receive: BigInt(`0x${value}`) >= 0xfffffe0000000000n ? '1' : '0',
        difficulty: value,
        multiplier,
      });
    });
  }

  it('V9 and V18 meet no threshold', async () => {
    for (const [hash, work, value] of [
      ['F1C59E6C738BB82221E082910740BADC58301F8F32291E07CCC4CDBEEAD44348', '205452237a9b01f4', 'e4b415cbdd3dc067'],
      ['3ED191EC702F384514BA35E1F9081148DF5A9AB48FE0F604B6E5B9F7177CEE32', 'bb6737f2daf01a2c', '74bbaa4490886de7'],
    ] as const) {
      const { json } = await rpc(nano.url, { action: 'work_validate', hash, work, difficulty: 'fffffe0000000000' });
      expect(json.valid).to.equal('0');
      expect(json.valid_all).to.equal('0');
      expect(json.valid_receive).to.equal('0');
      expect(json.difficulty).to.equal(value);
    }
  });

  it('answers the docs example byte for byte, `valid` only because difficulty was sent', async () => {
    const { text, headers } = await rpc(nano.url, { action: 'work_validate', hash: V1, work: '2bf29ef00786a6bc', difficulty: 'ffffffffffffffff' });
    expect(text).to.equal(
      '{\n    "valid": "0",\n    "valid_all": "0",\n    "valid_receive": "1",\n    "difficulty": "ffffffd21c3933f4",\n    "multiplier": "0.174330860917187"\n}\n',
    );
    expect(headers.get('content-type')).to.equal('application/json');
    expect(headers.get('access-control-allow-origin')).to.equal('*');
  });

  it('multiplier overrides difficulty and may be a JSON number', async () => {
    const asNumber = await rpc(nano.url, { action: 'work_validate', hash: V1, work: '2b3d689bbcb21dca', difficulty: 'ffffffffffffffff', multiplier: 1.1 });
    const asString = await rpc(nano.url, { action: 'work_validate', hash: V1, work: '2b3d689bbcb21dca', multiplier: '1.1' });
    expect(asNumber.json.valid).to.equal('1');
    expect(asString.text).to.equal(asNumber.text);
    const tooHigh = await rpc(nano.url, { action: 'work_validate', hash: V1, work: '2b3d689bbcb21dca', multiplier: '1.2' });
    expect(tooHigh.json.valid).to.equal('0');
  });

  it('treats a missing work as 0 and accepts short, any-case hex', async () => {
    const zero = await rpc(nano.url, { action: 'work_validate', hash: 'E2D8BD730E1512568378EC61A2367431F8AC35E66C46508CD0F9F3BCD94DE29B' });
    expect(zero.json.difficulty).to.equal('fffffe969af69900');
    const lower = await rpc(nano.url, { action: 'work_validate', hash: V1.toLowerCase(), work: '2B3D689BBCB21DCA' });
    expect(lower.json.difficulty).to.equal('fffffff93c41ec94');
  });

  it('uses the node error strings, first failing check first', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ action: 'work_validate', work: '2b3d689bbcb21dca' }, 'Unable to parse JSON'],
      [{ action: 'work_validate', hash: 'XYZ', work: '2b3d689bbcb21dca' }, 'Invalid block hash'],
      [{ action: 'work_validate', hash: `${V1}0`, work: '2b3d689bbcb21dca' }, 'Invalid block hash'],
      [{ action: 'work_validate', hash: '', work: '1' }, 'Invalid block hash'],
      [{ action: 'work_validate', hash: V1, work: '12345678901234567' }, 'Bad work'],
      [{ action: 'work_validate', hash: V1, work: '' }, 'Bad work'],
      [{ action: 'work_validate', hash: V1, work: '1', version: 'work_2' }, 'Bad work version'],
      [{ action: 'work_validate', hash: V1, work: '1', difficulty: 'zz' }, 'Bad difficulty'],
      [{ action: 'work_validate', hash: V1, work: '1', multiplier: '-1' }, 'Bad multiplier'],
      [{ action: 'work_validate', hash: V1, work: '1', multiplier: '0' }, 'Bad multiplier'],
      [{ action: 'work_validate', hash: V1, work: '1', multiplier: ' 1' }, 'Bad multiplier'],
      [{ action: 'work_validate', hash: 'XYZ', work: 'zz' }, 'Invalid block hash'],
    ];
    for (const [body, error] of cases) {
      const { status, text } = await rpc(nano.url, body);
      expect(status, JSON.stringify(body)).to.equal(200);
      expect(text, JSON.stringify(body)).to.equal(`{\n    "error": "${error}"\n}\n`);
    }
  });

  it('on Banano, multipliers are relative to the node base and valid_receive is always 1', async () => {
    const { json } = await rpc(banano.url, { action: 'work_validate', hash: V1, work: '2bf29ef00786a6bc' });
    expect(json.valid_all).to.equal('0');
    expect(json.valid_receive).to.equal('1');
    // fffffff000000000 base: (2^64 - base) / (2^64 - value)
    expect(json.multiplier).to.equal((0x1000000000 / Number(0x10000000000000000n - 0xffffffd21c3933f4n)).toFixed(15));
  });
});
