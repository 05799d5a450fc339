/**
 * Worker-thread entry of the GPU generator (see ./threaded.ts): owns Dawn's
 * instance and device, runs the dispatch loop, answers by message. The main
 * thread's event loop is then never blocked by a dispatch (Dawn's OpenGL
 * backend runs each one inside queue.submit()).
 */

import { parentPort, workerData } from 'node:worker_threads';
import { type GpuGeneratorOptions, openGpuGeneratorHere } from './generator.js';
import type { FromWorker, ToWorker } from './messages.js';

const port = parentPort;
if (!port) throw new Error('the GPU worker must run in a worker thread');

const { options, shared } = workerData as { options: GpuGeneratorOptions; shared: SharedArrayBuffer };
const counters = new Float64Array(shared);
const send = (message: FromWorker): void => port.postMessage(message);

function errorOf(err: unknown): { name: string; message: string } {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

const gen = await openGpuGeneratorHere({
  ...options,
  onInvalid: ({ root, nonce, target }) => send({ op: 'invalid', root, nonce, target }),
});

if ('unavailable' in gen) {
  send({ op: 'unavailable', reason: gen.unavailable });
  port.close();
} else {
  const jobs = new Map<number, AbortController>();
  const publish = (): void => {
    counters[0] = gen.hashes();
    counters[1] = gen.batch;
  };
  const ticker = setInterval(publish, 50);
  send({ op: 'ready', info: gen.describe() });

  port.on('message', (msg: ToWorker) => {
    switch (msg.op) {
      case 'generate': {
        const ac = new AbortController();
        jobs.set(msg.id, ac);
        // Counters first, so the main thread sees this job's hashes with its answer.
        gen.generate(msg.root, msg.target, ac.signal).then(
          (nonce) => {
            jobs.delete(msg.id);
            publish();
            send({ op: 'done', id: msg.id, nonce });
          },
          (err: unknown) => {
            jobs.delete(msg.id);
            publish();
            send({ op: 'failed', id: msg.id, error: errorOf(err) });
          },
        );
        break;
      }
      case 'abort':
        jobs.get(msg.id)?.abort();
        break;
      case 'range':
        gen.searchRange(msg.root, msg.target, msg.base, msg.count).then(
          (nonce) => {
            publish();
            send({ op: 'done', id: msg.id, nonce });
          },
          (err: unknown) => {
            publish();
            send({ op: 'failed', id: msg.id, error: errorOf(err) });
          },
        );
        break;
      case 'close':
        clearInterval(ticker);
        void gen.close().finally(() => {
          publish();
          send({ op: 'closed' });
          port.close();
        });
        break;
    }
  });
}
