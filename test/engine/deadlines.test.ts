import { expect } from 'chai';
import { Deadlines } from '../../lib/engine/deadlines.js';
import { nextUncaughtException } from '../helpers/uncaught.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("Deadlines: every waiter's request deadline on one timer", () => {
  it('expires deadlines in the order they were added, each once, and never a removed one', async () => {
    const deadlines = new Deadlines(20);
    const expired: string[] = [];
    deadlines.add(() => expired.push('a'));
    const b = deadlines.add(() => expired.push('b'));
    deadlines.add(() => expired.push('c'));
    deadlines.remove(b);
    deadlines.remove(b);
    await sleep(80);
    expect(expired).to.deep.equal(['a', 'c']);
    // The timer is set again for deadlines added after the list ran empty.
    deadlines.add(() => expired.push('d'));
    await sleep(80);
    expect(expired).to.deep.equal(['a', 'c', 'd']);
    deadlines.stop();
  });

  it('a deadline added while an earlier one is pending expires after it, on the re-armed timer', async () => {
    const deadlines = new Deadlines(40);
    const expired: string[] = [];
    const first = deadlines.add(() => expired.push('first'));
    await sleep(20);
    deadlines.add(() => expired.push('second'));
    deadlines.remove(first);
    await sleep(150);
    expect(expired).to.deep.equal(['second']);
    deadlines.stop();
  });

  it('keeps the process alive only while a deadline is pending', () => {
    const deadlines = new Deadlines(60_000);
    const before = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const one = deadlines.add(() => {});
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).to.equal(before + 1);
    deadlines.remove(one);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).to.equal(before);
    const two = deadlines.add(() => {});
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).to.equal(before + 1);
    deadlines.remove(two);
    deadlines.stop();
  });

  it('a deadline that throws is reported, and the others still expire', async () => {
    const deadlines = new Deadlines(10);
    const expired: string[] = [];
    const boom = new Error('expiry failed');
    const reported = nextUncaughtException();
    deadlines.add(() => {
      throw boom;
    });
    deadlines.add(() => expired.push('after'));
    expect(await reported).to.equal(boom);
    await sleep(20);
    expect(expired).to.deep.equal(['after']);
    deadlines.stop();
  });
});
