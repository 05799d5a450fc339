import { expect } from 'chai';
import type { Backend, WorkJob } from '../../lib/backends/types.js';
import { isAbortError } from '../../lib/errors.js';
import { workValue } from '../../lib/pow/index.js';
import { randomRoot } from './powgate.js';
import { workJob } from './work-job.js';

export interface ConformanceSubject {
  readonly backend: Backend;
  /** Makes the next generations take (practically) forever; returns the target to ask for. */
  stall(): bigint;
  /** Back to answering normally. */
  unstall(): void;
  dispose(): Promise<void>;
}

const DEV_BASE = 0xffc0000000000000n;

function job(target: bigint, signal: AbortSignal, root = randomRoot()): WorkJob {
  return workJob({ root, target, signal });
}

/**
 * What every backend must do, whatever its protocol: the engine relies on
 * these and nothing else. An adapter's own test file adds only its quirks.
 */
export function backendConformance(name: string, create: () => Promise<ConformanceSubject>): void {
  describe(`backend conformance: ${name}`, function () {
    this.timeout(30_000);
    let subject: ConformanceSubject;
    beforeEach(async () => {
      subject = await create();
    });
    afterEach(async () => {
      await subject.backend.close();
      await subject.dispose();
    });

    it('has a name and a type, and says whether it serves a target', () => {
      expect(subject.backend.name).to.be.a('string').and.not.equal('');
      expect(subject.backend.type).to.be.a('string').and.not.equal('');
      expect(subject.backend.supports(DEV_BASE)).to.be.a('boolean');
    });

    it('generates work that meets the target', async () => {
      const j = job(DEV_BASE, new AbortController().signal);
      const work = await subject.backend.generate(j);
      expect(typeof work).to.equal('bigint');
      expect(workValue(j.rootBytes, work) >= DEV_BASE).to.equal(true);
    });

    it('serves concurrent jobs for different roots', async () => {
      const jobs = Array.from({ length: 6 }, () => job(DEV_BASE, new AbortController().signal));
      const works = await Promise.all(jobs.map((j) => subject.backend.generate(j)));
      works.forEach((work, i) => expect(workValue((jobs[i] as WorkJob).rootBytes, work) >= DEV_BASE).to.equal(true));
    });

    it('rejects at once when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      const err = await subject.backend.generate(job(DEV_BASE, controller.signal)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAbortError(err), String(err)).to.equal(true);
    });

    it('stops promptly when aborted mid-generation, then serves the next job', async () => {
      const target = subject.stall();
      const controller = new AbortController();
      const pending = subject.backend.generate(job(target, controller.signal)).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 50));
      const aborted = Date.now();
      controller.abort();
      const err = await pending;
      expect(isAbortError(err), String(err)).to.equal(true);
      expect(Date.now() - aborted).to.be.below(2000);
      subject.unstall();
      const j = job(DEV_BASE, new AbortController().signal);
      expect(workValue(j.rootBytes, await subject.backend.generate(j)) >= DEV_BASE).to.equal(true);
    });

    it('close() resolves and can be called twice', async () => {
      await subject.backend.close();
      await subject.backend.close();
    });
  });
}
