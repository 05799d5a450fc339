import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './ports.js';

/**
 * A redis-server of the test's own on a free loopback port, for tests that stop it (the machine's
 * Redis is shared). Undefined where redis-server is missing; in CI that is an error (.ci/run installs it).
 */
export async function startPrivateRedis(): Promise<{ url: string; process: ChildProcess } | undefined> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const missing = await new Promise<boolean>((resolve) => {
    child.once('error', () => resolve(true));
    setTimeout(() => resolve(false), 300);
  });
  if (!missing) return { url: `redis://127.0.0.1:${port}`, process: child };
  if (process.env.CI) throw new Error('redis-server is missing: .ci/run installs it');
  return undefined;
}
