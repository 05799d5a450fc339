import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { FakeNodeRpc } from '../fakes/node-rpc.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';

/**
 * Sensitive requests dressed up to pass a gate that reads the body with
 * JSON.parse (last duplicate wins, strict booleans) while the node reads it
 * with boost property_tree (first duplicate wins, escapes decoded, booleans
 * read by a stream). Each names what the node would run.
 */
const DISGUISED: ReadonlyArray<readonly [string, string]> = [
  ['stop', '{"action":"stop","action":"account_info"}'],
  ['stop', '{ "action" : "stop" , "action" : "block_info" }'],
  ['wallet_export', '{"act\\u0069on":"wallet_export","action":"block_info","hash":"A"}'],
  ['send', '{"\\u0061ction":"send","action":"account_info"}'],
  ['key_create', '{"\\u0061\\u0063\\u0074\\u0069\\u006f\\u006e":"key_create","action":"account_info"}'],
  ['wallet_seed', '{"action":"wallet_seed","wallet":"W","action":"account_info"}'],
  ['work_peer_add', '{"hash":"A","action":"work_peer_add","address":"x","action":"block_info"}'],
  ['wallet_export', '{"action":"wallet_export","action":"block_info","action":"account_info"}'],
  ['password_enter', '{"action":"password_enter","password":"","act\\u0069on":"account_info"}'],
  ['stats_objects', '{"action":"stats","type":"objects","type":"counters"}'],
  ['stats_objects', '{"action":"stats","type":"objects","typ\\u0065":"counters"}'],
  ...[
    '"01"',
    '" true"',
    '"+1"',
    '"1 "',
    '"\\t1"',
    '" 01 "',
    '"true\\n"',
    '"\\u000b1"',
    '"00001"',
    '"+true"',
    '"2true"',
    '"-true"',
    '"+ true"',
    'true',
    '1',
  ].map((force) => ['process_force', `{"action":"process","block":"{}","force":${force}}`] as const),
  ['process_force', '{"action":"process","block":"{}","force":true,"force":false}'],
  ['process_force', '{"action":"process","block":"{}","force":"1","f\\u006frce":"0"}'],
  ['stop', '{"action":"stop","action":"account_info","nested":{"a":1}}'],
];

describe('the forwarder refuses what the node would execute', () => {
  let node: FakeNodeRpc;
  let gate: Powgate;
  before(async () => {
    node = await new FakeNodeRpc().start();
    node.answers.set('account_info', '{\n    "balance": "1"\n}\n');
    node.answers.set('process', '{\n    "hash": "AB"\n}\n');
    node.answers.set('stats', '{\n    "type": "counters"\n}\n');
    gate = await startTestPowgate({ node: { rpc: node.url }, rpc: { allow: ['account_info', 'block_info', 'process', 'stats'] } });
  });
  after(async () => {
    await gate.close();
    await node.close();
  });

  it(`none of ${DISGUISED.length} disguised sensitive requests reaches the node`, async () => {
    expect(DISGUISED.length).to.be.at.least(29);
    for (const [runs, body] of DISGUISED) {
      const before = node.received.length;
      const { status, json } = await rpc(gate.url, body);
      expect(status, body).to.equal(200);
      expect(json.error, `${body} (the node would run ${runs})`).to.be.a('string');
      expect(node.received.length, `${body} reached the node, which would run ${runs}`).to.equal(before);
    }
  });

  it('names the repeated key, or the gated name the node would need', async () => {
    expect((await rpc(gate.url, '{"action":"stop","action":"account_info"}')).json.error).to.equal(
      "Request has the key 'action' twice in one object: the node reads the first, so powgate forwards no such body",
    );
    expect((await rpc(gate.url, '{"action":"process","force":" 01 "}')).json.error).to.include("'process_force'");
  });

  it('still forwards the plain requests, flags the node reads as false or absent included', async () => {
    for (const body of [
      '{"action":"account_info","account":"x"}',
      '{"action":"process","block":"{}","force":"0"}',
      '{"action":"process","block":"{}","force":"1.0"}',
      '{"action":"process","block":"{}","force":"True"}',
      '{"action":"process","block":"{}","force":false}',
      '{"action":"stats","type":" objects"}',
      '{"action":"account_info","accounts":["a","a"],"count":1e0}',
    ]) {
      const before = node.received.length;
      const { json } = await rpc(gate.url, body);
      expect(json.error, body).to.equal(undefined);
      expect(node.received.at(-1), body).to.equal(body);
      expect(node.received.length).to.equal(before + 1);
    }
  });

  it('answers a body the node cannot parse (an unpaired surrogate escape) as the node would, without forwarding', async () => {
    const before = node.received.length;
    const { json } = await rpc(gate.url, '{"action":"account_info","x":"\\ud800"}');
    expect(json.error).to.equal('Unable to parse JSON');
    expect(node.received.length).to.equal(before);
  });
});
