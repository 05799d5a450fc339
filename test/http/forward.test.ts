import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { FakeNodeRpc } from '../fakes/node-rpc.js';
import { rpc, startTestPowgate } from '../helpers/powgate.js';

const ACCOUNT_INFO = `{\n    "frontier": "023B94B7D27B311666C8636954FE17F1FD2EAA97A8BAC27DE5084FBBD5C6B02C",\n    "balance": "1000",\n    "block_count": "2"\n}\n`;

describe('forwarding other actions to node.rpc', () => {
  let node: FakeNodeRpc;
  let gate: Powgate;
  before(async () => {
    node = await new FakeNodeRpc().start();
    node.answers.set('account_info', ACCOUNT_INFO);
    node.answers.set('process', `{\n    "hash": "AB"\n}\n`);
    node.answers.set('send', `{\n    "block": "CD"\n}\n`);
    gate = await startTestPowgate({ node: { rpc: node.url }, rpc: { allow: ['account_info', 'process', 'block_info'] } });
  });
  after(async () => {
    await gate.close();
    await node.close();
  });

  it('forwards an allowed action verbatim and passes the answer through unchanged', async () => {
    const raw = '{"action":"account_info","account":"nano_1111111111111111111111111111111111111111111111111111hifc8npp" , "representative":true}';
    const { status, text } = await rpc(gate.url, raw);
    expect(status).to.equal(200);
    expect(text).to.equal(ACCOUNT_INFO);
    expect(node.received.at(-1)).to.equal(raw);
  });

  it('forwards process without force, and refuses process with force unless process_force is allowed', async () => {
    expect((await rpc(gate.url, { action: 'process', block: '{}' })).json.hash).to.equal('AB');
    const before = node.received.length;
    const refused = await rpc(gate.url, { action: 'process', block: '{}', force: 'true' });
    expect(refused.status).to.equal(200);
    expect(refused.json.error).to.include("'process_force'").and.include('rpc.allow');
    expect(node.received.length).to.equal(before);
  });

  it('refuses wallet and control actions, naming the action and the config key', async () => {
    for (const action of ['send', 'wallet_export', 'key_create', 'stop', 'work_peer_add']) {
      const before = node.received.length;
      const { status, json } = await rpc(gate.url, { action, wallet: 'x' });
      expect(status).to.equal(200);
      expect(json.error, action).to.include(`'${action}'`).and.include('rpc.allow');
      expect(node.received.length).to.equal(before);
    }
  });

  it('refuses an action that is not on the allow-list', async () => {
    const { json } = await rpc(gate.url, { action: 'account_history', account: 'x' });
    expect(json.error).to.equal("Action 'account_history' is not allowed through powgate: add it to rpc.allow to forward it to the node");
  });

  it('never forwards the work actions, even when listed', async () => {
    const before = node.received.length;
    await rpc(gate.url, { action: 'work_validate', hash: '1', work: '1' });
    await rpc(gate.url, { action: 'work_cancel', hash: '1' });
    expect(node.received.length).to.equal(before);
  });

  it('an operator can allow a sensitive action by name', async () => {
    const open = await startTestPowgate({ node: { rpc: node.url }, rpc: { allow: ['send'] } });
    try {
      expect((await rpc(open.url, { action: 'send' })).json.block).to.equal('CD');
    } finally {
      await open.close();
    }
  });

  it('without node.rpc, an allowed action gets an error naming node.rpc', async () => {
    const alone = await startTestPowgate({});
    try {
      const { status, json } = await rpc(alone.url, { action: 'account_info', account: 'x' });
      expect(status).to.equal(200);
      expect(json.error).to.equal("Action 'account_info' needs a node: set node.rpc (or --node-rpc) to forward it");
    } finally {
      await alone.close();
    }
  });

  it('a node that does not answer gets a clear error, not a hang', async () => {
    const down = await startTestPowgate({ node: { rpc: 'http://127.0.0.1:1' } });
    try {
      const { json } = await rpc(down.url, { action: 'block_info', hash: '1' });
      expect(json.error).to.equal("Node RPC did not answer for 'block_info': check node.rpc");
    } finally {
      await down.close();
    }
  });
});
