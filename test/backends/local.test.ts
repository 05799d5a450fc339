import { expect } from 'chai';
import { createLocalBackend, type LocalBackend } from '../../lib/backends/local.js';
import type { WorkJob } from '../../lib/backends/types.js';
import { BackendUnavailableError, ConfigError, isAbortError } from '../../lib/errors.js';
import { DEV_BASE, DEV_RECEIVE, IMPOSSIBLE, oracleMeets, randomRoot, rejectionOf } from '../generator/helpers.js';
import { backendConformance } from '../helpers/backend-conformance.js';
import { workJob } from '../helpers/work-job.js';

function job(target: bigint, signal: AbortSignal = new AbortController().signal): WorkJob {
  const rootBytes = randomRoot();
  return workJob({ root: rootBytes, target, signal });
}

describe('backends/local', function () {
  this.timeout(20_000);
  let backend: LocalBackend;

  beforeEach(() => {
    backend = createLocalBackend('cpu', { cpuThreads: 2, cpuImpl: 'auto', gpu: 'off' });
  });
  afterEach(async () => {
    await backend.close();
  });

  it('describes itself and takes any target', () => {
    expect(backend.name).to.equal('cpu');
    expect(backend.type).to.equal('local');
    expect(backend.generator.threads).to.equal(2);
    for (const t of [0n, DEV_RECEIVE, 0xfffffff800000000n, IMPOSSIBLE]) expect(backend.supports(t)).to.equal(true);
  });

  it('generates work that meets the job target', async () => {
    for (const target of [DEV_BASE, DEV_RECEIVE, DEV_BASE, DEV_RECEIVE]) {
      const j = job(target);
      const work = await backend.generate(j);
      expect(oracleMeets(j.rootBytes, work, target)).to.equal(true);
    }
    expect(backend.generator.hashes() > 0).to.equal(true);
  });

  it('serves concurrent jobs', async () => {
    const jobs = Array.from({ length: 6 }, () => job(DEV_BASE));
    const works = await Promise.all(jobs.map((j) => backend.generate(j)));
    works.forEach((w, i) => expect(oracleMeets(jobs[i]!.rootBytes, w, DEV_BASE)).to.equal(true));
  });

  it('stops on abort with an abort error', async () => {
    const ac = new AbortController();
    const pending = rejectionOf(backend.generate(job(IMPOSSIBLE, ac.signal)));
    setTimeout(() => ac.abort(), 50);
    expect(isAbortError(await pending)).to.equal(true);
    expect(isAbortError(await rejectionOf(backend.generate(job(DEV_BASE, AbortSignal.abort()))))).to.equal(true);
  });

  it('start() logs the kernel and the GPU outcome; gpu: on without a GPU is a ConfigError on backends.<name>.gpu', async () => {
    const lines: { level: string; fields: object; message: string }[] = [];
    const logger = {
      info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
      warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
      debug: (fields: object, message: string) => lines.push({ level: 'debug', fields, message }),
    };
    await backend.start(logger);
    expect(lines.find((l) => l.message === 'local generator')).to.deep.equal({
      level: 'debug',
      fields: { backend: 'cpu', kernel: backend.generator.implementation, threads: 2 },
      message: 'local generator',
    });
    const onWithout = createLocalBackend('gpu', { cpuThreads: 1, gpu: 'on', gpuAdapter: 'no adapter has this name', gpuTimeoutMs: 15_000 });
    try {
      const err = await rejectionOf(onWithout.start(logger));
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).path).to.equal('backends.gpu.gpu');
      expect((err as ConfigError).message).to.match(/^backends\.gpu\.gpu: gpu is on but no GPU could be used: /);
    } finally {
      await onWithout.close();
    }
  });

  it('fails pending and later jobs with BackendUnavailableError once closed', async () => {
    const pending = rejectionOf(backend.generate(job(IMPOSSIBLE)));
    await backend.close();
    expect((await pending) instanceof BackendUnavailableError).to.equal(true);
    expect((await rejectionOf(backend.generate(job(DEV_BASE)))) instanceof BackendUnavailableError).to.equal(true);
  });
});

backendConformance('local', async () => ({
  backend: createLocalBackend('local', { cpuThreads: 2, cpuImpl: 'auto', gpu: 'off' }),
  stall: () => 0xffffffffffffffffn,
  unstall: () => {},
  dispose: async () => {},
}));
