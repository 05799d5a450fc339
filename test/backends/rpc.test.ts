import { expect } from 'chai';
import { createRpcBackend } from '../../lib/backends/rpc.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { backendConformance } from '../helpers/backend-conformance.js';
import { randomRoot } from '../helpers/powgate.js';
import { workJob } from '../helpers/work-job.js';

backendConformance('rpc', async () => {
  const peer = await new FakeRpcPeer().start();
  return {
    backend: createRpcBackend('peers', { urls: [peer.url], sendAccount: true }),
    stall: () => {
      peer.behave('hang');
      return 0xffc0000000000000n;
    },
    unstall: () => peer.behave('valid'),
    dispose: () => peer.close(),
  };
});

describe('rpc backend quirks', () => {
  const peers: FakeRpcPeer[] = [];
  afterEach(async () => Promise.all(peers.splice(0).map((p) => p.close())));
  const start = async (): Promise<FakeRpcPeer> => {
    const p = await new FakeRpcPeer().start();
    peers.push(p);
    return p;
  };
  const job = (signal = new AbortController().signal) => {
    const root = randomRoot();
    return workJob({ root, target: 0xffc0000000000000n, signal, account: 'nano_1111111111111111111111111111111111111111111111111111hifc8npp' });
  };

  it('sends account only with send_account, and difficulty as 16 lower-case hex digits', async () => {
    const p = await start();
    await createRpcBackend('a', { urls: [p.url], sendAccount: false }).generate(job());
    expect(p.generates()[0]?.body).to.have.keys('action', 'hash', 'difficulty');
    expect(p.generates()[0]?.body.difficulty).to.equal('ffc0000000000000');
  });

  it('accepts a nano-work-server answer (no hash, unpadded difficulty) and rejects its HTTP 400 bodies as failures', async () => {
    const p = await start();
    const backend = createRpcBackend('a', { urls: [p.url], sendAccount: true });
    expect(typeof (await backend.generate(job()))).to.equal('bigint');
    p.behave('http400');
    const err = await backend.generate(job()).catch((e: unknown) => e);
    expect(String(err)).to.include('Bad block hash');
  });

  it('hands back work below the target as the peer sent it, when no URL has better: the engine judges it', async () => {
    const p = (await start()).behave('invalid');
    const j = job();
    const work = await createRpcBackend('a', { urls: [p.url], sendAccount: true }).generate(j);
    expect(j.accepts(work)).to.equal(false);
    expect(p.generates()).to.have.length(1);
  });

  it('keeps racing past a URL whose work the engine would refuse, and takes the one it accepts', async () => {
    const liar = (await start()).behave('invalid');
    const honest = (await start()).behave('valid', 100);
    const j = job();
    const work = await createRpcBackend('a', { urls: [liar.url, honest.url], sendAccount: true }).generate(j);
    expect(j.accepts(work)).to.equal(true);
    expect(liar.generates()).to.have.length(1);
  });

  it('names the peer, not the backend, in its own errors: the engine adds the backend name once', async () => {
    const p = (await start()).behave('garbage');
    const err = await createRpcBackend('peers', { urls: [p.url], sendAccount: true })
      .generate(job())
      .catch((e: unknown) => e);
    expect(String(err)).to.equal(`BadUpstreamReplyError: ${p.url}: reply is not JSON`);
  });

  it('times out per request with `timeout` and tells the peer', async () => {
    const p = (await start()).behave('hang');
    const err = await createRpcBackend('a', { urls: [p.url], timeout: 100, sendAccount: true })
      .generate(job())
      .catch((e: unknown) => e);
    expect(String(err)).to.include('no answer within 100 ms');
    await p.waitFor('work_cancel', 1);
  });

  it('sends no work_cancel to a peer that already answered, one to each peer still working', async () => {
    const fast = (await start()).behave('valid');
    const slow = (await start()).behave('hang');
    await createRpcBackend('a', { urls: [fast.url, slow.url], sendAccount: true }).generate(job());
    await slow.waitFor('work_cancel', 1);
    expect(fast.cancels()).to.have.length(0);
  });

  it('races many URLs (one abort listener each) without a MaxListenersExceededWarning', async () => {
    const many = await Promise.all(Array.from({ length: 12 }, () => start()));
    for (const p of many.slice(1)) p.behave('hang');
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    try {
      const backend = createRpcBackend('many', { urls: many.map((p) => p.url), sendAccount: false });
      await backend.generate(job());
      await backend.probe?.(new AbortController().signal);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.map((w) => w.name)).to.not.include('MaxListenersExceededWarning');
  });

  it('a connection refused is a failure naming the peer without credentials', async () => {
    const err = await createRpcBackend('a', { urls: ['http://user:pw@127.0.0.1:1/x?key=secret'], sendAccount: true })
      .generate(job())
      .catch((e: unknown) => e);
    expect(String(err)).to.include('http://127.0.0.1:1').and.not.include('pw').and.not.include('secret');
  });
});
