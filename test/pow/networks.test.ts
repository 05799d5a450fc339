import { expect } from 'chai';
import { isNetworkName, maxGenerateTarget, NETWORKS } from '../../lib/pow/networks.js';

describe('pow/networks', () => {
  it('has the Nano live constants of spec §4', () => {
    expect(NETWORKS.nano).to.deep.equal({
      name: 'nano',
      epoch1: 0xffffffc000000000n,
      epoch2: 0xfffffff800000000n,
      epoch2Receive: 0xfffffe0000000000n,
      base: 0xfffffff800000000n,
      entry: 0xfffffe0000000000n,
      defaultDifficulty: 0xfffffff800000000n,
      sendThreshold: 0xfffffff800000000n,
      receiveThreshold: 0xfffffe0000000000n,
      prefixes: ['nano_', 'xrb_'],
      ports: { rpc: 7076, websocket: 7078 },
      unit: 'XNO',
      unitRaw: 10n ** 30n,
    });
  });

  it('has the Banano constants, defaulting below base', () => {
    expect(NETWORKS.banano).to.deep.equal({
      name: 'banano',
      epoch1: 0xfffffe0000000000n,
      epoch2: 0xfffffff000000000n,
      epoch2Receive: 0n,
      base: 0xfffffff000000000n,
      entry: 0n,
      defaultDifficulty: 0xfffffe0000000000n,
      sendThreshold: 0xfffffe0000000000n,
      receiveThreshold: 0xfffffe0000000000n,
      prefixes: ['ban_'],
      ports: { rpc: 7072, websocket: 7074 },
      unit: 'BAN',
      unitRaw: 10n ** 29n,
    });
  });

  it('has the beta and dev constants', () => {
    const beta = NETWORKS['nano-beta'];
    expect([beta.epoch1, beta.epoch2, beta.epoch2Receive, beta.base, beta.entry]).to.deep.equal([
      0xfffff00000000000n,
      0xfffff00000000000n,
      0xffffe00000000000n,
      0xfffff00000000000n,
      0xffffe00000000000n,
    ]);
    expect([beta.defaultDifficulty, beta.sendThreshold, beta.receiveThreshold]).to.deep.equal([0xfffff00000000000n, 0xfffff00000000000n, 0xffffe00000000000n]);
    const dev = NETWORKS['nano-dev'];
    expect([dev.epoch1, dev.epoch2, dev.epoch2Receive, dev.base, dev.entry]).to.deep.equal([
      0xfe00000000000000n,
      0xffc0000000000000n,
      0xf000000000000000n,
      0xffc0000000000000n,
      0xf000000000000000n,
    ]);
    expect([dev.defaultDifficulty, dev.sendThreshold, dev.receiveThreshold]).to.deep.equal([0xffc0000000000000n, 0xffc0000000000000n, 0xf000000000000000n]);
    for (const net of [beta, dev]) {
      expect(net.prefixes).to.deep.equal(['nano_', 'xrb_']);
      expect(net.ports).to.deep.equal({ rpc: 7076, websocket: 7078 });
    }
  });

  it('computes the 64x work_generate limit', () => {
    expect(maxGenerateTarget(NETWORKS.nano)).to.equal(0xffffffffe0000000n);
    expect(maxGenerateTarget(NETWORKS.banano)).to.equal(0xffffffffc0000000n);
    expect(maxGenerateTarget(NETWORKS.nano, 8)).to.equal(0xffffffff00000000n);
  });

  it('recognises network names', () => {
    for (const name of ['nano', 'banano', 'nano-beta', 'nano-dev']) expect(isNetworkName(name), name).to.equal(true);
    for (const name of ['Nano', 'ban', 'toString', '__proto__', '']) expect(isNetworkName(name), name).to.equal(false);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(NETWORKS)).to.equal(true);
    expect(Object.isFrozen(NETWORKS.nano)).to.equal(true);
    expect(Object.isFrozen(NETWORKS.nano.prefixes)).to.equal(true);
  });
});
