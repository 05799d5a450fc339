import { fork } from 'node:child_process';
import type { CannonJob, CannonResult } from './cannon-child.js';

export type { CannonResult };

/** Runs one load in a fresh load-generator process and returns its figures. */
export function runCannon(job: CannonJob): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL('./cannon-child.js', import.meta.url), { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: { result?: CannonResult; error?: string }) => {
      if (m.result !== undefined) resolve(m.result);
      else reject(new Error(`load generator: ${m.error}`));
    });
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send(job);
  });
}
