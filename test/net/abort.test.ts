import { expect } from 'chai';
import { JobAbort, toAbortSignal } from '../../lib/net/abort.js';
import { nextUncaughtException } from '../helpers/uncaught.js';

describe("JobAbort: the engine's light abort controller, as AbortController behaves", () => {
  it('aborts once, with an AbortError DOMException when no reason is given', () => {
    const a = new JobAbort();
    expect(a.aborted).to.equal(false);
    expect(() => a.throwIfAborted()).not.to.throw();
    a.abort();
    expect(a.aborted).to.equal(true);
    expect(a.reason).to.be.instanceOf(DOMException);
    expect((a.reason as DOMException).name).to.equal('AbortError');
    const first = a.reason;
    a.abort(new Error('later'));
    expect(a.reason).to.equal(first);
    expect(() => a.throwIfAborted()).to.throw(DOMException);
  });

  it('keeps the reason it is given, and its signal is itself', () => {
    const a = new JobAbort();
    const reason = new Error('raised');
    a.abort(reason);
    expect(a.reason).to.equal(reason);
    expect(a.signal).to.equal(a);
    expect(() => a.throwIfAborted()).to.throw(reason);
  });

  it('calls listeners once, in the order they were added; removed, duplicate and late ones as EventTarget does', () => {
    const a = new JobAbort();
    const calls: string[] = [];
    const one = (): void => {
      calls.push('one');
    };
    const two = (): void => {
      calls.push('two');
    };
    const gone = (): void => {
      calls.push('gone');
    };
    a.addEventListener('abort', two);
    a.addEventListener('abort', one);
    a.addEventListener('abort', two);
    a.addEventListener('abort', gone);
    a.removeEventListener('abort', gone);
    a.abort();
    a.abort();
    a.addEventListener('abort', () => calls.push('late'));
    expect(calls).to.deep.equal(['two', 'one']);
  });

  it('a listener that throws does not keep the others from running', async () => {
    const a = new JobAbort();
    const calls: string[] = [];
    const boom = new Error('listener failed');
    const reported = nextUncaughtException();
    a.addEventListener('abort', () => {
      throw boom;
    });
    a.addEventListener('abort', () => calls.push('after'));
    a.abort();
    expect(calls).to.deep.equal(['after']);
    expect(await reported).to.equal(boom);
  });

  it('gives a real AbortSignal that follows it, made before or after the abort', () => {
    const before = new JobAbort();
    const signal = before.abortSignal;
    expect(signal).to.be.instanceOf(AbortSignal);
    expect(before.abortSignal).to.equal(signal);
    expect(signal.aborted).to.equal(false);
    const reason = new Error('won elsewhere');
    before.abort(reason);
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.equal(reason);

    const after = new JobAbort();
    after.abort(reason);
    expect(toAbortSignal(after).aborted).to.equal(true);
    expect(toAbortSignal(after).reason).to.equal(reason);
  });

  it('toAbortSignal: an AbortSignal is passed through, any other signal is followed', () => {
    const controller = new AbortController();
    expect(toAbortSignal(controller.signal)).to.equal(controller.signal);
    let listener: (() => void) | undefined;
    const other = {
      aborted: false,
      reason: undefined as unknown,
      throwIfAborted() {},
      addEventListener: (_type: 'abort', l: () => void) => {
        listener = l;
      },
      removeEventListener() {},
    };
    const signal = toAbortSignal(other);
    expect(signal.aborted).to.equal(false);
    other.aborted = true;
    other.reason = 'stop';
    listener?.();
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.equal('stop');
  });
});
