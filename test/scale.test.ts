import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FakeRpcPeer } from './fakes/rpc-peer.js';
import { freePort } from './helpers/ports.js';
import { randomRoot, rpc } from './helpers/powgate.js';
import { startPrivateRedis } from './helpers/private-redis.js';

const BIN = fileURLToPath(new URL('../dist/bin/powgate.js', import.meta.url));

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Instance {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly exit: Promise<unknown>;
}

/** Three powgate processes as an operator runs them: one Redis, one rpc peer, nothing else shared. */
describe('several instances on one Redis behave as one (three powgate processes)', function () {
  this.timeout(90_000);
  let redis: ChildProcess | undefined;
  let redisUrl = '';
  let peer: FakeRpcPeer;
  const instances: Instance[] = [];

  async function start(): Promise<Instance> {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POWGATE_') && k !== 'NODE_OPTIONS') env[k] = v;
    // The peer is the only tier: every upstream call is one the fake peer counts.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'powgate-scale-')), 'powgate.yaml');
    writeFileSync(file, `network: nano-dev\nlog: { level: error }\nbackends:\n  peer: { type: rpc, urls: ["${peer.url}"] }\ntiers:\n  - backends: [peer]\n`);
    const proc = spawn(process.execPath, [BIN, '--config', file, '--listen', `127.0.0.1:${port}`, '--redis', redisUrl], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exit = new Promise((resolve) => proc.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    await until(`powgate :${port} ready`, async () => (await fetch(`${url}/readyz`)).status === 200);
    const instance = { url, proc, exit };
    instances.push(instance);
    return instance;
  }

  before(async function () {
    // A Redis of this test's own: one test stops it.
    const own = await startPrivateRedis();
    if (own === undefined) return this.skip();
    redis = own.process;
    redisUrl = own.url;
    peer = await new FakeRpcPeer().start();
    for (let i = 0; i < 3; i++) await start();
  });

  after(async () => {
    for (const i of instances) i.proc.kill('SIGKILL');
    await Promise.all(instances.map((i) => i.exit));
    redis?.kill('SIGKILL');
    await peer?.close();
  });

  it('100 identical concurrent requests spread over the three make exactly one upstream call', async () => {
    peer.behave('valid', 300);
    const root = randomRoot();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, n) => rpc((instances[n % 3] as Instance).url, { action: 'work_generate', hash: root })));
    expect(new Set(answers.map((a) => a.json.work)).size, answers[0]?.text).to.equal(1);
    expect(peer.generates().filter((c) => c.body.hash === root)).to.have.length(1);
  });

  it('the lease holder killed mid-job: another instance finishes the job within the deadline', async () => {
    peer.behave('hang');
    const root = randomRoot();
    const [leader, survivor] = [instances[0] as Instance, instances[1] as Instance];
    void rpc(leader.url, { action: 'work_generate', hash: root }).catch(() => {});
    await until('the leader called the peer', () => peer.generates().some((c) => c.body.hash === root));
    const answer = rpc(survivor.url, { action: 'work_generate', hash: root });
    await new Promise((r) => setTimeout(r, 200));
    expect(
      peer.generates().filter((c) => c.body.hash === root),
      'the survivor waits on the lease',
    ).to.have.length(1);
    peer.behave('valid');
    leader.proc.kill('SIGKILL');
    const { json, text } = await answer;
    expect(json.work, text).to.match(/^[0-9a-f]{16}$/);
    expect(peer.generates().filter((c) => c.body.hash === root)).to.have.length(2);
  });

  it('Redis stopped: every request is still answered, each instance on its own', async () => {
    peer.behave('valid', 50);
    const alive = instances.filter((i) => i.proc.exitCode === null && i.proc.signalCode === null);
    redis?.kill('SIGKILL');
    await new Promise((r) => redis?.once('exit', r));
    const root = randomRoot();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, n) => rpc((alive[n % alive.length] as Instance).url, { action: 'work_generate', hash: root })),
    );
    for (const a of answers) expect(a.json.work, a.text).to.match(/^[0-9a-f]{16}$/);
    expect(peer.generates().filter((c) => c.body.hash === root).length).to.be.within(1, alive.length);
  });
});
