import { expect } from 'chai';
import { withDeadline } from '../../lib/backends/deadline.js';

describe('withDeadline', () => {
  it('aborts with the job, not expired', () => {
    const job = new AbortController();
    const d = withDeadline(job.signal, 10_000);
    const reason = new Error('won elsewhere');
    job.abort(reason);
    expect(d.signal.aborted).to.equal(true);
    expect(d.signal.reason).to.equal(reason);
    expect(d.expired()).to.equal(false);
    d.dispose();
  });

  it('aborts at the deadline, expired', async () => {
    const d = withDeadline(new AbortController().signal, 20);
    await new Promise((r) => d.signal.addEventListener('abort', r, { once: true }));
    expect(d.expired()).to.equal(true);
    d.dispose();
  });

  it('is aborted at once for an aborted job, and dispose stops the deadline', async () => {
    const job = new AbortController();
    job.abort();
    expect(withDeadline(job.signal, 10_000).signal.aborted).to.equal(true);
    const d = withDeadline(new AbortController().signal, 20);
    d.dispose();
    await new Promise((r) => setTimeout(r, 40));
    expect(d.signal.aborted).to.equal(false);
  });
});
