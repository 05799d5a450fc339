import assert from 'node:assert/strict';
import { createLocalBackend, type LocalBackend } from '../../lib/backends/local.js';
import { backendConformance } from '../helpers/backend-conformance.js';
import type { WorkJob } from '../../lib/backends/types.js';
import { BackendUnavailableError, ConfigError, isAbortError } from '../../lib/errors.js';
import { DEV_BASE, DEV_RECEIVE, IMPOSSIBLE, oracleMeets, randomRoot, rejectionOf } from '../generator/helpers.js';
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
    assert.equal(backend.name, 'cpu');
    assert.equal(backend.type, 'local');
    assert.equal(backend.generator.threads, 2);
    for (const t of [0n, DEV_RECEIVE, 0xfffffff800000000n, IMPOSSIBLE]) assert.equal(backend.supports(t), true);
  });

  it('generates work that meets the job target', async () => {
    for (const target of [DEV_BASE, DEV_RECEIVE, DEV_BASE, DEV_RECEIVE]) {
      const j = job(target);
      const work = await backend.generate(j);
      assert.ok(oracleMeets(j.rootBytes, work, target));
    }
    assert.ok(backend.generator.hashes() > 0);
  });

  it('serves concurrent jobs', async () => {
    const jobs = Array.from({ length: 6 }, () => job(DEV_BASE));
    const works = await Promise.all(jobs.map((j) => backend.generate(j)));
    works.forEach((w, i) => assert.ok(oracleMeets(jobs[i]!.rootBytes, w, DEV_BASE)));
  });

  it('stops on abort with an abort error', async () => {
    const ac = new AbortController();
    const pending = rejectionOf(backend.generate(job(IMPOSSIBLE, ac.signal)));
    setTimeout(() => ac.abort(), 50);
    assert.ok(isAbortError(await pending));
    assert.ok(isAbortError(await rejectionOf(backend.generate(job(DEV_BASE, AbortSignal.abort())))));
  });

  it('start() logs the kernel and the GPU outcome; gpu: on without a GPU is a ConfigError on backends.<name>.gpu', async () => {
    const lines: { level: string; fields: object; message: string }[] = [];
    const logger = {
      info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
      warn: (fields: object, message: string) => lines.push({ level: 'warn', fields, message }),
      debug: (fields: object, message: string) => lines.push({ level: 'debug', fields, message }),
    };
    await backend.start(logger);
    assert.deepEqual(
      lines.find((l) => l.message === 'local generator'),
      { level: 'debug', fields: { backend: 'cpu', kernel: backend.generator.implementation, threads: 2 }, message: 'local generator' },
    );
    const onWithout = createLocalBackend('gpu', { cpuThreads: 1, gpu: 'on', gpuAdapter: 'no adapter has this name', gpuTimeoutMs: 15_000 });
    try {
      const err = await rejectionOf(onWithout.start(logger));
      assert.ok(err instanceof ConfigError);
      assert.equal(err.path, 'backends.gpu.gpu');
      assert.match(err.message, /^backends\.gpu\.gpu: gpu is on but no GPU could be used: /);
    } finally {
      await onWithout.close();
    }
  });

  it('fails pending and later jobs with BackendUnavailableError once closed', async () => {
    const pending = rejectionOf(backend.generate(job(IMPOSSIBLE)));
    await backend.close();
    assert.ok((await pending) instanceof BackendUnavailableError);
    assert.ok((await rejectionOf(backend.generate(job(DEV_BASE)))) instanceof BackendUnavailableError);
  });
});

backendConformance('local', async () => ({
  backend: createLocalBackend('local', { cpuThreads: 2, cpuImpl: 'auto', gpu: 'off' }),
  stall: () => 0xffffffffffffffffn,
  unstall: () => {},
  dispose: async () => {},
}));
