import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { RawMap } from '../../lib/config/index.js';
import type { Powgate } from '../../lib/server.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';
import { freePort, randomAccount } from './helpers.js';

// Work really crossing hosts: a hub here, `powgate worker` processes each in
// its own network namespace, joined to this one by a veth pair. Needs root and
// iproute2 (ip netns); skipped, with the reason printed, where not allowed.

function ip(...args: string[]): { ok: boolean; err: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error !== undefined) return { ok: false, err: r.error.message };
  return { ok: r.status === 0, err: (r.stderr ?? '').trim() };
}

interface Netns {
  readonly name: string;
  readonly hostIf: string;
  readonly hostIp: string;
  readonly nsIp: string;
}

/** A namespace with a veth to this one on a /30 of 10.213.N.0; undefined with the reason on failure. */
function makeNetns(index: number, tag: string): Netns | string {
  const name = `pg-${tag}-${index}`;
  const hostIf = `pgh${tag.slice(0, 5)}${index}`;
  const nsIf = `pgw${tag.slice(0, 5)}${index}`;
  const subnet = `10.213.${(parseInt(tag.slice(0, 2), 16) + index) % 250}`;
  const steps: string[][] = [
    ['netns', 'add', name],
    ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf],
    ['link', 'set', nsIf, 'netns', name],
    ['addr', 'add', `${subnet}.1/30`, 'dev', hostIf],
    ['link', 'set', hostIf, 'up'],
    ['-n', name, 'addr', 'add', `${subnet}.2/30`, 'dev', nsIf],
    ['-n', name, 'link', 'set', nsIf, 'up'],
    ['-n', name, 'link', 'set', 'lo', 'up'],
  ];
  for (const step of steps) {
    const r = ip(...step);
    if (!r.ok) {
      removeNetns({ name, hostIf, hostIp: '', nsIp: '' });
      return `ip ${step.join(' ')}: ${r.err || 'failed'}`;
    }
  }
  return { name, hostIf, hostIp: `${subnet}.1`, nsIp: `${subnet}.2` };
}

function removeNetns(ns: Netns): void {
  ip('link', 'del', ns.hostIf);
  ip('netns', 'del', ns.name);
}

describe('hub and powgate workers in separate network namespaces', function () {
  this.timeout(60_000);
  const spaces: Netns[] = [];
  const children: ChildProcess[] = [];
  let pg: Powgate | undefined;

  before(function () {
    const why = process.getuid?.() !== 0 ? 'not root' : spawnSync('ip', ['-V']).error !== undefined ? 'iproute2 (ip) is not installed' : undefined;
    const tag = randomBytes(3).toString('hex');
    let reason = why;
    for (let i = 0; i < 2 && reason === undefined; i++) {
      const ns = makeNetns(i, tag);
      if (typeof ns === 'string') reason = ns;
      else spaces.push(ns);
    }
    if (reason !== undefined) {
      console.log(`      (skipped: network namespaces not available here: ${reason})`);
      this.skip();
    }
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await pg?.close();
    for (const ns of spaces) removeNetns(ns);
  });

  it('each worker reaches the hub over its veth, does work, and is credited', async () => {
    const port = await freePort();
    // The embedded broker on every host-side veth address: bound to 0.0.0.0 and reached at each .1.
    const hub: RawMap = { type: 'hub', broker: 'embedded', listen: `0.0.0.0:${port}`, heartbeat_interval: '100ms' };
    const gate = (pg = await startTestPowgate({ backends: { hub }, precache: { enabled: false }, work: { deadline: '20s' } }));
    const accounts = spaces.map(() => randomAccount());
    spaces.forEach((ns, i) => {
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          ns.name,
          process.execPath,
          'dist/bin/powgate.js',
          'worker',
          '--hub',
          `mqtt://client:client@${ns.hostIp}:${port}`,
          '--payout',
          accounts[i] as string,
          '--cpu-threads',
          '1',
          '--gpu',
          'off',
          '--status-interval',
          '1',
        ],
        { stdio: 'ignore' },
      );
      children.push(child);
    });
    // Both workers present (their presence is sent once subscribed).
    for (;;) {
      const h = (await gate.monitor.report()).hubs[0];
      if (h?.workers.filter((w) => w.present === true).length === spaces.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    // Jobs until each worker has been credited once (accepted, or late): the faster one may win
    // several in a row, and a loser cancelled in time sends nothing. Bounded: 60 jobs.
    const credited = async (): Promise<number[]> => {
      const report = (await gate.monitor.report()).hubs[0];
      return accounts.map((a) => {
        const w = report?.workers.find((x) => x.account === a);
        return (w?.accepted.ondemand ?? 0) + (w?.late.ondemand ?? 0);
      });
    };
    let jobs = 0;
    while (jobs < 60 && !(await credited()).every((n) => n > 0)) {
      const res = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      expect(res.headers.get('x-powgate-source'), res.text).to.equal('hub');
      jobs++;
    }
    const h = (await gate.monitor.report()).hubs[0];
    expect(h?.workersConnected).to.equal(spaces.length);
    // Each worker reached the hub over its own veth and had a result taken.
    expect(
      (await credited()).every((n) => n > 0),
      JSON.stringify(h?.workers),
    ).to.equal(true);
    expect(h?.results.accepted.ondemand).to.equal(jobs);
  });
});
