/**
 * Bench section: a stream of confirmations for tracked accounts, then a
 * work_generate for each account's next root, against a work source with
 * 200 ms latency, with precache on and (the baseline) off.
 */
import http from 'node:http';
import { bytesToHex, encodeAccount } from '../lib/pow/index.js';
import { percentiles, post } from './load.js';

export interface PrecacheRun {
  readonly requests: number;
  readonly fromPrecache: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

const random32 = (): Uint8Array => crypto.getRandomValues(new Uint8Array(32));

/** `rounds` confirmed blocks on each of `accounts` chains, as the node writes them; returns the messages and each chain's last hash. */
export function confirmationStream(accounts: number, rounds: number): { accounts: string[]; messages: object[]; heads: string[] } {
  const names = Array.from({ length: accounts }, () => encodeAccount(random32(), 'nano_'));
  const heads = names.map(() => bytesToHex(random32()));
  const heights = names.map(() => 10);
  const messages: object[] = [];
  for (let round = 0; round < rounds; round++) {
    names.forEach((account, i) => {
      const hash = bytesToHex(random32());
      const height = ++heights[i]!;
      messages.push({
        topic: 'confirmation',
        time: String(Date.now()),
        message: {
          account,
          amount: '0',
          hash,
          confirmation_type: 'active_quorum',
          block: {
            type: 'state',
            account,
            previous: heads[i],
            representative: account,
            balance: '1',
            link: '0'.repeat(64),
            link_as_account: encodeAccount(new Uint8Array(32), 'nano_'),
            signature: '0'.repeat(128),
            work: '0000000000000000',
            subtype: 'change',
          },
          sideband: { height: String(height), local_timestamp: '0' },
        },
      });
      heads[i] = hash;
    });
  }
  return { accounts: names, messages, heads };
}

/** One work_generate per root, `connections` at a time; latency and X-Powgate-Source of each. */
export async function requestEach(url: string, roots: readonly string[], connections: number): Promise<PrecacheRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const latencies: number[] = [];
  let fromPrecache = 0;
  let errors = 0;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < roots.length) {
      const root = roots[next++] as string;
      const t0 = performance.now();
      try {
        const { text, headers } = await post(agent, target, JSON.stringify({ action: 'work_generate', hash: root }));
        latencies.push(performance.now() - t0);
        if (!text.includes('"work"')) errors++;
        if (headers['x-powgate-source'] === 'cache') fromPrecache++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  return { requests: roots.length, fromPrecache, ...percentiles(latencies), errors };
}
