import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FakeNode } from './fakes/node.js';
import { FakeRpcPeer } from './fakes/rpc-peer.js';
import { randomRoot, rpc } from './helpers/powgate.js';

const BIN = fileURLToPath(new URL('../dist/bin/powgate.js', import.meta.url));

interface Running {
  readonly proc: ChildProcess;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exit: Promise<number | null>;
}

/** The environment a user's shell would have, minus any POWGATE_* left over from the caller. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POWGATE_') && !k.startsWith('NODE_OPTIONS')) env[k] = v;
  return { ...env, ...extra };
}

function spawnCli(args: string[], env: Record<string, string> = {}, cwd = mkdtempSync(path.join(os.tmpdir(), 'powgate-cli-'))): Running {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, url: '', stdout: () => out, stderr: () => err, exit };
}

/** A config with Redis for the cache and the precache store, precache on and subscribed to `node`'s websocket. */
function everyResourceConfig(node: FakeNode, extra: string[] = []): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-cli-'));
  const file = path.join(dir, 'resources.yaml');
  writeFileSync(
    file,
    [
      'network: nano-dev',
      'log: { level: info }',
      `node: { rpc: "${node.rpcUrl}", websocket: "${node.wsUrl}" }`,
      'precache: { enabled: true, accounts: [nano_1111111111111111111111111111111111111111111111111111hifc8npp] }',
      ...extra,
    ].join('\n'),
  );
  return file;
}

/** Waits for the process to end on its own; a process something still holds open is killed and reported. */
async function exitWithin(run: Running, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), ms)));
  const result = await Promise.race([run.exit, stuck]);
  clearTimeout(timer);
  if (result === 'stuck') {
    run.proc.kill('SIGKILL');
    throw new Error(`powgate still running ${ms} ms later: something was left open\n${run.stdout()}\n${run.stderr()}`);
  }
  return result;
}

async function logLine(run: Running, message: string, ms = 15_000): Promise<Record<string, unknown>> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const line = run
      .stdout()
      .split('\n')
      .find((l) => l.includes(`"msg":"${message}"`));
    if (line !== undefined) return JSON.parse(line) as Record<string, unknown>;
    if (run.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no "${message}" line:\n${run.stdout()}\n${run.stderr()}`);
}

async function started(run: Running, ms = 15_000): Promise<Running> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    for (const line of run.stdout().split('\n')) {
      if (line.includes('"powgate listening"')) return { ...run, url: (JSON.parse(line) as { url: string }).url };
    }
    if (run.proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  // Not left behind: a powgate that starts late would hold its port for every later run.
  run.proc.kill('SIGKILL');
  throw new Error(`powgate did not start:\n${run.stdout()}\n${run.stderr()}`);
}

describe('CLI, spawned as a user runs it', function () {
  this.timeout(60_000);
  const running: ChildProcess[] = [];
  afterEach(() => {
    for (const p of running.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
  });

  it('with no config: listens on 127.0.0.1:7176, generates real work locally, exits 0 on SIGTERM', async () => {
    const run = await started(spawnCli([]));
    running.push(run.proc);
    expect(run.url).to.equal('http://127.0.0.1:7176');
    const log = JSON.parse(
      run
        .stdout()
        .split('\n')
        .find((l) => l.includes('powgate listening')) as string,
    ) as Record<string, unknown>;
    expect(log).to.include({ network: 'nano', cache: 'memory' });
    expect(log.tiers).to.deep.equal(['local']);
    // The lowest target the node range allows: real Nano receive-level work on the CPU.
    const root = randomRoot();
    const { json, headers } = await rpc(run.url, { action: 'work_generate', hash: root, difficulty: 'fffffe0000000000' });
    expect(headers.get('x-powgate-source')).to.equal('local');
    const check = await rpc(run.url, { action: 'work_validate', hash: root, work: json.work, difficulty: 'fffffe0000000000' });
    expect(check.json.valid).to.equal('1');
    run.proc.kill('SIGTERM');
    expect(await run.exit).to.equal(0);
    expect(run.stdout()).to.include('powgate stopped');
  });

  it('with a config file, env and flags: flags win over env, env over the file', async () => {
    const peer = await new FakeRpcPeer().start();
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-cli-'));
      const file = path.join(dir, 'powgate.yaml');
      writeFileSync(
        file,
        [
          'network: nano',
          'listen: 127.0.0.1:1',
          'log: { level: info }',
          'backends:',
          '  peers: { type: rpc, urls: ["${PEER_URL}"] }',
          'tiers:',
          '  - { backends: [peers] }',
        ].join('\n'),
      );
      const run = await started(
        spawnCli(['--config', file, '--listen', '127.0.0.1:0'], { PEER_URL: peer.url, POWGATE_NETWORK: 'nano-dev', POWGATE_LISTEN: '127.0.0.1:2' }),
      );
      running.push(run.proc);
      const root = randomRoot();
      const { headers } = await rpc(run.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
      expect(headers.get('x-powgate-source')).to.equal('peers');
      expect(peer.generates()[0]?.body.hash).to.equal(root);
      run.proc.kill('SIGTERM');
      expect(await run.exit).to.equal(0);
    } finally {
      await peer.close();
    }
  });

  it('SIGTERM with a request in flight: in-flight work finishes when it can, the rest is cancelled, exit 0', async () => {
    const peer = (await new FakeRpcPeer().start()).behave('hang');
    try {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-cli-'));
      const file = path.join(dir, 'peer-only.yaml');
      writeFileSync(file, `network: nano-dev\nlisten: 127.0.0.1:0\nbackends:\n  peers: { type: rpc, urls: ["${peer.url}"] }\n`);
      const run = await started(spawnCli(['--config', file]));
      running.push(run.proc);
      const pending = rpc(run.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      await peer.waitFor('work_generate', 1);
      run.proc.kill('SIGTERM');
      const answer = await pending;
      expect(answer.status).to.equal(200);
      expect(answer.json.error, answer.text).to.equal('Cancelled');
      expect(await run.exit).to.equal(0);
      await peer.waitFor('work_cancel', 1);
    } finally {
      await peer.close();
    }
  });

  it('SIGTERM while the local generator works: the request still gets its work, then exit 0', async () => {
    const peer = (await new FakeRpcPeer().start()).behave('hang');
    try {
      const run = await started(spawnCli(['--network', 'nano-dev', '--listen', '127.0.0.1:0', '--peer', peer.url]));
      running.push(run.proc);
      const pending = rpc(run.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      await peer.waitFor('work_generate', 1);
      run.proc.kill('SIGTERM');
      // The peers tier hangs; after its 2 s hedge the local tier answers.
      const answer = await pending;
      expect(answer.json.work, answer.text).to.match(/^[0-9a-f]{16}$/);
      expect(answer.headers.get('x-powgate-source')).to.equal('local');
      expect(await run.exit).to.equal(0);
    } finally {
      await peer.close();
    }
  });

  it('port in use with Redis and precache running: releases everything, exit 1 within 5 s', async () => {
    const node = await new FakeNode().start();
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const run = spawnCli(['--config', everyResourceConfig(node), '--redis', 'redis://127.0.0.1:6379', '--cpu-threads', '1', '--listen', `127.0.0.1:${port}`]);
      running.push(run.proc);
      await logLine(run, 'could not start');
      // Counted from the failure: start-up itself (module load, GPU probe) is not what this bounds.
      expect(await exitWithin(run, 5000)).to.equal(1);
      expect(run.stdout()).to.include('EADDRINUSE');
      const released = await logLine(run, 'start-up failed; released what was built');
      expect(released.level, JSON.stringify(released)).to.equal(30);
      // Outbound connections, service usage, backend, cache (Redis), job leases (Redis), engine, idle probes, precache (Redis, websocket), dashboard history.
      expect(released.closed).to.equal(9);
    } finally {
      busy.close();
      await node.close();
    }
  });

  it('SIGTERM with work in flight and every resource open: all closed, exit 0', async () => {
    const node = await new FakeNode().start();
    const peer = (await new FakeRpcPeer().start()).behave('hang');
    try {
      const file = everyResourceConfig(node, [
        'listen: 127.0.0.1:0',
        'metrics: { listen: 127.0.0.1:0 }',
        'backends:',
        `  peers: { type: rpc, urls: ["${peer.url}"] }`,
      ]);
      const run = await started(spawnCli(['--config', file, '--redis', 'redis://127.0.0.1:6379']));
      running.push(run.proc);
      await logLine(run, 'node websocket subscribed');
      const pending = rpc(run.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      await peer.waitFor('work_generate', 1);
      run.proc.kill('SIGTERM');
      const answer = await pending;
      expect(answer.json.error, answer.text).to.equal('Cancelled');
      expect(await exitWithin(run, 15_000)).to.equal(0);
      const stopped = await logLine(run, 'powgate stopped');
      // Every step closed in time: none failed, none left running.
      expect(stopped, JSON.stringify(stopped)).to.not.have.any.keys('failed', 'unfinished');
      // Drain, both listeners, the service websockets, dashboard history, precache, idle probes, engine, job leases, cache, the backend,
      // service usage, outbound connections.
      expect(stopped.closed).to.equal(13);
    } finally {
      await peer.close();
      await node.close();
    }
  });

  it('a bad config stops start-up with the key path and exit code 2', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-cli-'));
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'cache:\n  url: memory\n  max_entrys: 5\n');
    const run = spawnCli(['--config', file]);
    expect(await run.exit).to.equal(2);
    expect(run.stderr()).to.include('cache.max_entrys');
    const badFlag = spawnCli(['--network', 'dogecoin']);
    expect(await badFlag.exit).to.equal(2);
    expect(badFlag.stderr()).to.include('network');
    // DPoW alone on Banano: nothing could ever be served, so it does not start (exit 2, the key path).
    const useless = path.join(dir, 'dpow-banano.yaml');
    writeFileSync(
      useless,
      'network: banano\nlisten: 127.0.0.1:0\nbackends:\n  dpow: { type: dpow, url: "ws://127.0.0.1:1/service_ws/", post_url: "http://127.0.0.1:1/service/", user: svc, api_key: k }\n',
    );
    const refused = spawnCli(['--config', useless]);
    expect(await refused.exit).to.equal(2);
    expect(refused.stderr()).to.include('backends.dpow: no backend can serve work on network banano');
  });

  it('a deprecated key still starts powgate and is logged once as a warning naming the new key', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-cli-'));
    const file = path.join(dir, 'old-names.yaml');
    writeFileSync(
      file,
      'network: nano-dev\nlisten: 127.0.0.1:0\nbackends: { peers: { type: rpc, urls: ["http://127.0.0.1:1"] } }\nprecache: { tiers: [peers] }\n',
    );
    const run = await started(spawnCli(['--config', file]));
    running.push(run.proc);
    const warnings = run
      .stdout()
      .split('\n')
      .filter((l) => l.includes('deprecated'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(warnings).to.deep.equal([
      { ...warnings[0], level: 40, msg: 'configuration: precache.tiers is deprecated: write precache.backends (it lists backend names, not tiers)' },
    ]);
    run.proc.kill('SIGTERM');
    expect(await run.exit).to.equal(0);
  });

  it('a Redis URL with a bad database path is a configuration error (exit 2), not a failure to start', async () => {
    for (const db of ['abc', '99999999999']) {
      const run = spawnCli(['--redis', `redis://127.0.0.1:6379/${db}`]);
      expect(await run.exit).to.equal(2);
      expect(run.stderr()).to.include('powgate: configuration error: cache.url: expected a database number');
      expect(run.stderr()).to.include('(set by --redis)');
      expect(run.stdout()).to.not.include('could not start');
    }
  });

  it('--help prints the usage and exits 0', async () => {
    const run = spawnCli(['--help']);
    expect(await run.exit).to.equal(0);
    expect(run.stdout()).to.include('--peer').and.include('--cpu-threads').and.include('--redis');
  });
});
