/**
 * Section `scale`: several powgate processes on one Redis, behind HAProxy
 * (deploy/haproxy.cfg on loopback), as the compose stack runs them.
 *
 * (a) cache hits through the balancer to 1 and to 3 instances, beside the same
 *     instance asked directly; on a 2-core machine this shows the balancer's
 *     cost, not scaling (every process shares the same two cores);
 * (b) upstream calls for 100 identical concurrent requests spread over three
 *     instances, with the Redis leases and, as the baseline, three instances
 *     that share nothing;
 * (c) how long a survivor takes to finish a job whose lease holder was killed
 *     (SIGKILL), beside the lease period that bounds it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatWorkHex, hexToBytes, parseWorkHex, workValue } from '../lib/pow/index.js';
import { runCannon } from './cannon.js';
import { loopbackHaproxyConfig } from './haproxy.js';
import { DIFFICULTY, fmt, freePort, generateBody, precompute, ratio, row, verdict, workValidateAnswer } from './harness.js';

const BIN = fileURLToPath(new URL('../bin/powgate.js', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The lease period of lib/cache/redis-coordinator.ts: a dead leader's lease lasts at most this. */
const LEASE_MS = 3000;

/** An RPC work peer that counts work_generate per root; `hold` roots are answered only when released. */
class CountingPeer {
  readonly calls = new Map<string, number>();
  readonly held = new Set<string>();
  delay = 0;
  #server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const msg = JSON.parse(body) as { action: string; hash: string; difficulty?: string; work?: string };
      const answer = (o: object): void => {
        if (!res.destroyed) res.end(JSON.stringify(o));
      };
      if (msg.action === 'work_validate') {
        if (!res.destroyed) res.end(workValidateAnswer(msg.hash, msg.work ?? '0'));
        return;
      }
      if (msg.action !== 'work_generate') return answer({ success: '' });
      const first = !this.calls.has(msg.hash);
      this.calls.set(msg.hash, (this.calls.get(msg.hash) ?? 0) + 1);
      if (first && this.held.has(msg.hash)) return; // the leader's call: never answered (it is killed)
      const target = parseWorkHex(msg.difficulty ?? DIFFICULTY) ?? 0n;
      const bytes = hexToBytes(msg.hash);
      let nonce = BigInt(Math.floor(Math.random() * 2 ** 40));
      while (workValue(bytes, nonce) < target) nonce++;
      setTimeout(() => answer({ work: formatWorkHex(nonce) }), this.delay);
    });
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }
}

interface Proc {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly exit: Promise<unknown>;
}

async function ready(url: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (
      await fetch(url).then(
        (r) => r.status === 200,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bench: ${url} not ready within ${ms} ms`);
}

async function powgate(peer: string, redis: string | undefined): Promise<Proc> {
  const port = await freePort();
  const args = [BIN, '--network', 'nano-dev', '--listen', `127.0.0.1:${port}`, '--peer', peer, ...(redis === undefined ? [] : ['--redis', redis])];
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POWGATE_')) env[k] = v;
  // Peer first, local generator after the peer tier's hedge (2 s): the peer answers well before it.
  env.POWGATE_LOG__LEVEL = 'error';
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
  const exit = new Promise((resolve) => proc.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await ready(`${url}/readyz`);
  return { proc, url, exit };
}

async function haproxy(replicas: readonly string[]): Promise<Proc> {
  const front = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-bench-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(
    file,
    loopbackHaproxyConfig(
      front,
      replicas.map((u) => Number(new URL(u).port)),
    ),
  );
  const proc = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exit = new Promise((resolve) => proc.once('exit', resolve));
  const url = `http://127.0.0.1:${front}`;
  await ready(`${url}/healthz`);
  return { proc, url, exit };
}

async function generate(url: string, root: string): Promise<string> {
  const r = await fetch(url, { method: 'POST', body: generateBody(root) });
  return ((await r.json()) as { work?: string; error?: string }).work ?? 'error';
}

export async function benchScale(options: { seconds: number; connections: number }, lines: string[]): Promise<unknown> {
  if (spawnSync('sh', ['-c', 'command -v haproxy']).status !== 0) {
    lines.push('', '## (scale) skipped: haproxy is not installed (apt-get install haproxy)');
    return { skipped: 'haproxy missing' };
  }
  const procs: Proc[] = [];
  const peer = await new CountingPeer().start();
  try {
    const shared = [await powgate(peer.url, REDIS_URL), await powgate(peer.url, REDIS_URL), await powgate(peer.url, REDIS_URL)];
    procs.push(...shared);
    const one = await haproxy([shared[0]?.url as string]);
    const three = await haproxy(shared.map((p) => p.url));
    procs.push(one, three);

    // (a) hits: one hot root, cached on the shared Redis and in every instance's path.
    const [hot] = precompute(1);
    const root = hot?.[0] as string;
    for (const p of shared) await generate(p.url, root);
    const body = generateBody(root);
    const load = (url: string) => runCannon({ url, connections: options.connections, seconds: options.seconds, bodies: [body], order: 'fixed' });
    await load(three.url); // warm-up: JIT, keep-alive pools
    const direct = await load(shared[0]?.url as string);
    const via1 = await load(one.url);
    const via3 = await load(three.url);
    lines.push(
      '',
      `## (scale) powgate behind HAProxy (deploy/haproxy.cfg on loopback), Redis cache, ${options.connections} connections, ${options.seconds} s each`,
      '',
      `On ${os.cpus().length} cores every process shares the same cores: these rows show the balancer's cost, not scaling.`,
      '',
      row(['cache hits', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs direct']),
      row(['---', '---:', '---:', '---:', '---:', '---:']),
      row(['one instance, direct (baseline)', fmt(direct.rps), fmt(direct.p50, 2), fmt(direct.p99, 2), String(direct.errors), '1.00×']),
      row(['HAProxy -> 1 instance', fmt(via1.rps), fmt(via1.p50, 2), fmt(via1.p99, 2), String(via1.errors), ratio(via1.rps, direct.rps)]),
      row(['HAProxy -> 3 instances', fmt(via3.rps), fmt(via3.p50, 2), fmt(via3.p99, 2), String(via3.errors), ratio(via3.rps, direct.rps)]),
    );

    // (b) 100 identical concurrent requests spread over three instances, a peer that takes 200 ms.
    peer.delay = 200;
    const isolated = [await powgate(peer.url, undefined), await powgate(peer.url, undefined), await powgate(peer.url, undefined)];
    procs.push(...isolated);
    const rounds = 5;
    const spread = async (group: Proc[]): Promise<number[]> => {
      const calls: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const [fresh] = precompute(1);
        const id = fresh?.[0] as string;
        const works = await Promise.all(Array.from({ length: 100 }, (_, i) => generate((group[i % group.length] as Proc).url, id)));
        if (works.includes('error')) throw new Error('bench: a request of the spread failed');
        calls.push(peer.calls.get(id) ?? 0);
      }
      return calls;
    };
    const leased = await spread(shared);
    const alone = await spread(isolated);
    const worst = Math.max(...leased);
    lines.push(
      '',
      row(['100 identical concurrent requests over 3 instances (5 rounds)', 'upstream calls per round', 'goal']),
      row(['---', '---:', '---']),
      row(['shared Redis, leases', leased.join(', '), `1: ${verdict(worst === 1)}`]),
      row(['three instances sharing nothing (baseline)', alone.join(', '), '']),
    );

    // (c) the leader killed mid-job: a survivor that waits on the same root finishes it.
    peer.delay = 0;
    const [victimRoot] = precompute(1);
    const vroot = victimRoot?.[0] as string;
    peer.held.add(vroot);
    const [leader, survivor] = [shared[1] as Proc, shared[2] as Proc];
    void generate(leader.url, vroot).catch(() => {});
    while ((peer.calls.get(vroot) ?? 0) === 0) await new Promise((r) => setTimeout(r, 5));
    const answer = generate(survivor.url, vroot);
    await new Promise((r) => setTimeout(r, 100)); // the survivor is following the lease
    const killed = performance.now();
    leader.proc.kill('SIGKILL');
    const work = await answer;
    const takeover = performance.now() - killed;
    lines.push(
      '',
      row(['lease holder killed mid-job (SIGKILL)', 'ms until a survivor answered', 'bound: lease period']),
      row(['---', '---:', '---:']),
      row([
        work === 'error' ? 'survivor FAILED' : 'survivor answered',
        fmt(takeover),
        `${fmt(LEASE_MS)}: ${verdict(work !== 'error' && takeover <= LEASE_MS + 500)}`,
      ]),
    );
    return { hits: { direct, via1, via3 }, dedupe: { leased, alone }, takeoverMs: takeover };
  } finally {
    for (const p of procs) p.proc.kill('SIGTERM');
    await Promise.all(procs.map((p) => p.exit));
    peer.close();
  }
}
