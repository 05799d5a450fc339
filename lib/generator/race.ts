/**
 * CPU and GPU on one job: the first nonce wins and aborts the other side.
 * A side that fails (a lost device, say) leaves the job to the other; the job
 * fails only when both have, with the CPU's error (or the caller's abort).
 * The two never try the same nonce: they search disjoint halves of the nonce
 * space (./nonce-space.ts).
 */

export type Search = (root: Uint8Array, target: bigint, signal: AbortSignal) => Promise<bigint>;

export function race(cpu: Search, gpu: Search, root: Uint8Array, target: bigint, signal: AbortSignal): Promise<bigint> {
  const inner = new AbortController();
  const forward = (): void => inner.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener('abort', forward, { once: true });
  return new Promise<bigint>((resolve, reject) => {
    let failures = 0;
    let cpuError: unknown;
    const done = (): void => signal.removeEventListener('abort', forward);
    const settle = (nonce: bigint): void => {
      done();
      inner.abort(new DOMException('Found by the other generator', 'AbortError'));
      resolve(nonce);
    };
    const failed = (side: 'CPU' | 'GPU', err: unknown): void => {
      if (side === 'CPU') cpuError = err;
      if (++failures < 2) return;
      done();
      reject(cpuError ?? err);
    };
    cpu(root, target, inner.signal).then(settle, (err: unknown) => failed('CPU', err));
    gpu(root, target, inner.signal).then(settle, (err: unknown) => failed('GPU', err));
  });
}
