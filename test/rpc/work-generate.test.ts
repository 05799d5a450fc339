import { expect } from 'chai';
import { hexToBytes, workValue } from '../../lib/pow/index.js';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const V1 = '718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2';
const V1_WORK = 0x2b3d689bbcb21dcan;
const V1_VALUE = 0xfffffff93c41ec94n;
const ACCOUNT = 'nano_1111111111111111111111111111111111111111111111111111hifc8npp';
const STATE_OPEN = {
  type: 'state',
  account: 'nano_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3',
  previous: '0000000000000000000000000000000000000000000000000000000000000000',
  representative: 'nano_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3',
  balance: '1000',
  link: 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA',
  signature: '0'.repeat(128),
  work: '0000000000000000',
};
const STATE_OPEN_ROOT = 'E89208DD038FBB269987689621D52292AE9C35941A7484756ECCED92A65093BA';

describe('work_generate (node-exact)', () => {
  let nano: Powgate;
  let peer: FakeRpcPeer;
  before(async () => {
    peer = await new FakeRpcPeer().start();
    nano = await startTestPowgate({ network: 'nano', backends: { peer: { type: 'rpc', urls: [peer.url] } }, work: { deadline: '2s' } });
    await nano.cache.set(V1, V1_WORK, V1_VALUE);
  });
  after(async () => {
    await nano.close();
    await peer.close();
  });

  it('answers the docs example byte for byte (from cache), with the source header', async () => {
    const { status, text, headers } = await rpc(nano.url, { action: 'work_generate', hash: V1.toLowerCase(), difficulty: 'fffffff800000000' });
    expect(status).to.equal(200);
    expect(text).to.equal(
      '{\n    "hash": "718CC2121C3E641059BC1C2CFC45666C99E8AE922F7A807B7D07B62C995D79E2",\n    "work": "2b3d689bbcb21dca",\n    "difficulty": "fffffff93c41ec94",\n    "multiplier": "1.182623871097636"\n}\n',
    );
    expect(headers.get('x-powgate-source')).to.equal('cache');
    expect(peer.generates()).to.have.length(0);
  });

  it('a cached work answers any lower request, the default target and unknown fields included', async () => {
    for (const body of [
      { action: 'work_generate', hash: V1 },
      { action: 'work_generate', hash: V1, difficulty: 'fffffe0000000000', use_peers: 'true', foo: { bar: 1 } },
      { action: 'work_generate', hash: V1, multiplier: 1.1, difficulty: 'ffffffffffffffff' },
      { action: 'work_generate', hash: V1, account: ACCOUNT, version: 'work_1' },
    ]) {
      const { json, headers } = await rpc(nano.url, body);
      expect(json.work, JSON.stringify(body)).to.equal('2b3d689bbcb21dca');
      expect(headers.get('x-powgate-source')).to.equal('cache');
    }
    expect(peer.generates()).to.have.length(0);
  });

  it('a cached work below the target is not an answer', async () => {
    peer.behave('hang');
    const { json } = await rpc(nano.url, { action: 'work_generate', hash: V1, multiplier: '1.2' });
    expect(json.error).to.match(/Timeout/);
    expect(peer.generates()).to.have.length(1);
    expect(peer.generates()[0]?.body.difficulty).to.equal('fffffff955555556');
    peer.behave('valid');
  });

  it('range-checks the target against 64x base and the entry threshold', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ difficulty: 'ffffffffe0000001' }, 'Difficulty above config limit or below publish threshold'],
      [{ multiplier: '64.1' }, 'Difficulty above config limit or below publish threshold'],
      [{ difficulty: 'fffffdffffffffff' }, 'Difficulty above config limit or below publish threshold'],
      [{ multiplier: '0.015' }, 'Difficulty above config limit or below publish threshold'],
      [{ multiplier: 'inf' }, 'Difficulty above config limit or below publish threshold'],
      [{ difficulty: 'ffffffffe0000000', multiplier: 'x' }, 'Bad multiplier'],
      [{ difficulty: '' }, 'Bad difficulty'],
      [{ difficulty: '0fffffffe00000000' }, 'Bad difficulty'],
    ];
    for (const [extra, error] of cases) {
      const { text } = await rpc(nano.url, { action: 'work_generate', hash: V1, ...extra });
      expect(text, JSON.stringify(extra)).to.equal(`{\n    "error": "${error}"\n}\n`);
    }
    expect(peer.generates()).to.have.length(1);
  });

  it('checks fields in the node order with the node strings', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'Unable to parse JSON'],
      [{ hash: 'G1' }, 'Invalid block hash'],
      [{ hash: V1, account: 'nano_1111' }, 'Bad account number'],
      [{ hash: 'G1', account: 'nano_1111' }, 'Bad account number'],
      [{ account: ACCOUNT.replace('hifc8npp', 'hifc8npq'), hash: V1 }, 'Bad account number'],
      [{ hash: V1, account: 'ban_1111111111111111111111111111111111111111111111111111hifc8npp' }, 'Bad account number'],
      [{ hash: 'G1', version: 'work_2' }, 'Bad work version'],
      [{ hash: V1, difficulty: 'fffffff800000000', block: '{not json' }, 'Block is invalid'],
      [{ hash: V1, difficulty: 'fffffff800000000', block: JSON.stringify({ ...STATE_OPEN, signature: undefined }) }, 'Block is invalid'],
      [{ hash: V1, difficulty: 'fffffff800000000', block: JSON.stringify(STATE_OPEN) }, 'Root mismatch for block'],
      [
        { hash: STATE_OPEN_ROOT, json_block: 'true', block: { ...STATE_OPEN, work: '62f05417dd3fb691' }, difficulty: 'fffffff000000000' },
        'Provided work is already enough for given difficulty',
      ],
      // The node reads JSON numbers as text: a numeric balance is still a valid block.
      [
        { hash: STATE_OPEN_ROOT, json_block: true, block: { ...STATE_OPEN, balance: 1000, work: '62f05417dd3fb691' }, difficulty: 'fffffff000000000' },
        'Provided work is already enough for given difficulty',
      ],
    ];
    for (const [fields, error] of cases) {
      const { status, text } = await rpc(nano.url, { action: 'work_generate', ...fields });
      expect(status, JSON.stringify(fields)).to.equal(200);
      expect(text, JSON.stringify(fields)).to.equal(`{\n    "error": "${error}"\n}\n`);
    }
  });

  it('with a block and no difficulty, generates at base for the block root', async () => {
    // V3 (genesis work) is epoch_1 level: below the Nano base, so generation is needed.
    peer.behave('hang');
    const pending = rpc(nano.url, { action: 'work_generate', hash: STATE_OPEN_ROOT, json_block: true, block: { ...STATE_OPEN, work: '62f05417dd3fb691' } });
    await peer.waitFor('work_generate', 2);
    expect(peer.generates()[1]?.body).to.deep.include({ hash: STATE_OPEN_ROOT, difficulty: 'fffffff800000000' });
    await rpc(nano.url, { action: 'work_cancel', hash: STATE_OPEN_ROOT });
    expect((await pending).json).to.deep.equal({ error: 'Cancelled' });
    peer.behave('valid');
  });
});

describe('work_generate end to end (nano-dev thresholds, real work)', () => {
  let dev: Powgate;
  let peer: FakeRpcPeer;
  before(async () => {
    peer = await new FakeRpcPeer().start();
    dev = await startTestPowgate({ network: 'nano-dev', backends: { peers: { type: 'rpc', urls: [peer.url] } } });
  });
  after(async () => {
    await dev.close();
    await peer.close();
  });

  it('returns validated work with its own difficulty and multiplier, and sends the node peer shape upstream', async () => {
    const root = randomRoot();
    const account = 'nano_3t6k35gi95xu6tergt6p69ck76ogmitsa8mnijtpxm9fkcm736xtoncuohr3';
    const { json, headers } = await rpc(dev.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000', account });
    expect(headers.get('x-powgate-source')).to.equal('peers');
    expect(Object.keys(json)).to.deep.equal(['hash', 'work', 'difficulty', 'multiplier']);
    expect(json.hash).to.equal(root);
    expect(json.work).to.match(/^[0-9a-f]{16}$/);
    const value = workValue(hexToBytes(root), BigInt(`0x${json.work}`));
    expect(json.difficulty).to.equal(value.toString(16).padStart(16, '0'));
    expect(value >= 0xffc0000000000000n).to.equal(true);
    expect(json.multiplier).to.match(/^\d+\.\d{15}$/);
    expect(peer.generates()[0]?.body).to.deep.equal({ action: 'work_generate', hash: root, difficulty: 'ffc0000000000000', account });
    // And it is cached now.
    const again = await rpc(dev.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
    expect(again.json.work).to.equal(json.work);
    expect(again.headers.get('x-powgate-source')).to.equal('cache');
    expect(peer.generates()).to.have.length(1);
  });
});
