import type { Powgate } from '../../lib/server.js';

export const DEV_SEND = 0xffc0000000000000n;
export const DEV_RECEIVE = 0xf000000000000000n;

/** Polls `check` until it holds; fails with `what` after `ms`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not met within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function metricsText(gate: Powgate): Promise<string> {
  return (await fetch(`${gate.url}/metrics`)).text();
}

/** The value of one sample line (`name{labels}`), 0 when absent. */
export async function metric(gate: Powgate, sample: string): Promise<number> {
  const line = (await metricsText(gate)).split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/** Waits until the precache queue is empty and nothing runs. */
export async function settled(gate: Powgate, ms = 5000): Promise<void> {
  await until(() => gate.precache.status().queueDepth === 0 && gate.service.inFlight === 0, 'precache settled', ms);
}
