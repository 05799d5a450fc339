import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { loopbackHaproxyConfig } from '../bench/haproxy.js';
import { FakeRpcPeer } from './fakes/rpc-peer.js';
import { freePort } from './helpers/ports.js';
import { randomRoot, rpc } from './helpers/powgate.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'dist/bin/powgate.js');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

/** A tool CI installs (.ci/run); a developer's machine without it skips the test and says why. */
function tool(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (found !== '') return found;
  if (process.env.CI) throw new Error(`${name} is missing: .ci/run installs it`);
  return undefined;
}

function skipWithout(ctx: Mocha.Context, name: string): string {
  const found = tool(name);
  if (found === undefined) {
    console.log(`      (skipped: ${name} is not installed here; .ci/run installs it)`);
    ctx.skip();
  }
  return found as string;
}

// Kubernetes manifests are read as plain YAML trees; the tests walk the paths they check.
// biome-ignore lint/suspicious/noExplicitAny: a manifest is any YAML tree
type Manifest = Record<string, any>;

describe('deploy/: the files an operator starts powgate with', function () {
  this.timeout(30_000);

  describe('powgate.service (systemd)', () => {
    it('passes systemd-analyze verify with no warning', function () {
      skipWithout(this, 'systemd-analyze');
      const run = spawnSync('systemd-analyze', ['verify', path.join(ROOT, 'deploy/powgate.service')], { encoding: 'utf8' });
      expect(run.status, run.stderr).to.equal(0);
      // verify exits 0 on unknown keys and misplaced directives; they still mean the unit is not what it says.
      expect(run.stderr.trim()).to.equal('');
    });

    it('is hardened: dedicated user, read-only system, private /tmp, a writable data directory, restarts', function () {
      skipWithout(this, 'systemd-analyze');
      const unit = read('deploy/powgate.service');
      for (const line of [
        'DynamicUser=yes',
        'StateDirectory=powgate',
        'ReadWritePaths=/var/lib/powgate',
        'NoNewPrivileges=yes',
        'ProtectSystem=strict',
        'PrivateTmp=yes',
        'Restart=on-failure',
        'RestartPreventExitStatus=2',
      ]) {
        expect(unit, line).to.match(new RegExp(`^${line}$`, 'm'));
      }
      const run = spawnSync('systemd-analyze', ['security', '--offline=true', path.join(ROOT, 'deploy/powgate.service')], { encoding: 'utf8' });
      const level = /Overall exposure level for powgate\.service: ([\d.]+)/.exec(run.stdout);
      expect(level, run.stdout + run.stderr).to.not.equal(null);
      // systemd's scale: < 2 is "OK"; an unhardened service scores 9.6.
      expect(Number(level?.[1])).to.be.below(2);
    });
  });

  describe('compose.yaml', () => {
    interface Service {
      image?: string;
      build?: unknown;
      command?: string[] | string;
      volumes?: string[];
      ports?: string[];
      healthcheck?: { test: string[] };
      depends_on?: unknown;
    }
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, Service> };

    it('runs three powgate replicas behind HAProxy, with Redis, Mosquitto, Prometheus and Grafana', () => {
      expect(Object.keys(compose.services)).to.have.members(['powgate-1', 'powgate-2', 'powgate-3', 'haproxy', 'redis', 'mosquitto', 'prometheus', 'grafana']);
      const cfg = read('deploy/haproxy.cfg');
      for (const n of [1, 2, 3]) {
        const s = compose.services[`powgate-${n}`] as Service;
        expect(s.healthcheck?.test.join(' ')).to.contain('/readyz');
        expect(cfg).to.match(new RegExp(`server powgate-${n} powgate-${n}:7176 check`));
      }
      expect(cfg).to.match(/option httpchk GET \/readyz/);
    });

    it('mounts only files that exist in the repository, and publishes monitoring on loopback only', () => {
      for (const [name, s] of Object.entries(compose.services)) {
        for (const v of s.volumes ?? []) {
          const source = v.split(':')[0] as string;
          expect(existsSync(path.join(ROOT, 'deploy', source)), `${name}: ${source}`).to.equal(true);
        }
        if (name === 'haproxy' || name === 'mosquitto') continue;
        for (const p of s.ports ?? []) expect(p, `${name} publishes ${p}`).to.match(/^127\.0\.0\.1:/);
      }
      const powgate = parse(read('deploy/powgate.compose.yaml')) as { listen: string; cache: { url: string }; metrics: { listen: string } };
      expect(powgate.cache.url).to.equal('redis://redis:6379');
      const prometheus = parse(read('deploy/prometheus.yml')) as { scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }> };
      expect(prometheus.scrape_configs[0]?.static_configs[0]?.targets).to.deep.equal(
        [1, 2, 3].map((n) => `powgate-${n}:${powgate.metrics.listen.split(':').pop()}`),
      );
    });

    it('has a Prometheus config promtool accepts', function () {
      skipWithout(this, 'promtool');
      // promtool resolves rule_files relative to the config: check a copy that points at the project's rules.
      const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-prom-'));
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        read('deploy/prometheus.yml').replace('/etc/prometheus/powgate-rules.yaml', path.join(ROOT, 'config/prometheus-rules.yaml')),
      );
      const run = spawnSync('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(run.status, run.stdout + run.stderr).to.equal(0);
    });

    it('has an HAProxy config haproxy -c accepts', function () {
      skipWithout(this, 'haproxy');
      const run = spawnSync('haproxy', ['-c', '-f', path.join(ROOT, 'deploy/haproxy.cfg')], { encoding: 'utf8' });
      expect(run.status, run.stdout + run.stderr).to.equal(0);
    });

    it("gives Mosquitto DPoW's worker ACL: workers read jobs and publish only results", () => {
      const acl = read('deploy/mosquitto/acl');
      const client = acl.split(/^user /m).find((b) => b.startsWith('client')) ?? '';
      const writes = [...client.matchAll(/^topic (?:write|readwrite) (\S+)$/gm)].map((m) => m[1]);
      expect(writes).to.have.members(['result/ondemand', 'result/precache']);
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');

    it('sets its listen default beneath a mounted config, not over it (no ENV POWGATE_LISTEN)', () => {
      expect(dockerfile).to.not.match(/^\s*(ENV\s+)?POWGATE_LISTEN=/m);
      const defaults = /POWGATE_DEFAULTS=\/app\/(\S+)/.exec(dockerfile)?.[1];
      expect(defaults).to.equal('config/container.yaml');
      expect(parse(read(defaults as string))).to.deep.equal({ listen: '0.0.0.0:7176' });
      expect(dockerfile).to.match(/^COPY config \.\/config$/m);
    });

    it('ships neither node-gyp nor Dawn builds for other platforms', () => {
      expect(dockerfile).to.not.match(/npx node-gyp/);
      expect(dockerfile).to.match(/find node_modules\/webgpu\/dist -mindepth 1 -maxdepth 1 ! -name "\$keep" -exec rm -rf/);
      const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
      expect(pkg.dependencies).to.not.have.property('node-gyp');
    });
  });

  describe('k8s/', () => {
    const docs = ['powgate.yaml', 'redis.yaml'].flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => d.toJS() as Manifest));
    const kind = (k: string, name = 'powgate') => docs.find((d) => d.kind === k && d.metadata.name === name);

    it('probes liveness on /healthz and readiness on /readyz, exposes the metrics port, sizes resources', () => {
      const container = kind('Deployment')?.spec.template.spec.containers[0];
      expect(container.livenessProbe.httpGet.path).to.equal('/healthz');
      expect(container.readinessProbe.httpGet.path).to.equal('/readyz');
      expect(container.ports.map((p: { name: string }) => p.name)).to.include('metrics');
      expect(container.resources.requests).to.have.keys('cpu', 'memory');
      expect(container.resources.limits).to.have.key('memory');
      // Serving through the endpoint removal: the grace period covers the preStop pause and powgate's drain.
      expect(container.lifecycle.preStop.exec.command).to.deep.equal(['sleep', '5']);
      expect(kind('Deployment')?.spec.template.spec.terminationGracePeriodSeconds).to.be.above(5 + 30);
      const config = parse(kind('ConfigMap')?.data['powgate.yaml']) as { listen: string; metrics: { listen: string } };
      expect(config.listen).to.equal('0.0.0.0:7176');
      expect(config.metrics.listen.endsWith(':9176')).to.equal(true);
    });

    it('keeps two replicas through voluntary disruptions', () => {
      const pdb = kind('PodDisruptionBudget') as Manifest;
      expect(pdb.spec.minAvailable).to.equal(2);
      expect(pdb.spec.selector).to.deep.equal(kind('Deployment')?.spec.selector);
      expect(kind('Deployment')?.spec.replicas).to.equal(3);
    });

    it('lists every manifest in kustomization.yaml', () => {
      const k = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
      expect(k.resources).to.have.members(['powgate.yaml', 'redis.yaml']);
    });
  });
});

// ---- The compose topology without containers: HAProxy (Debian's) in front of three powgate processes.

interface Proc {
  readonly proc: ChildProcess;
  readonly exit: Promise<number | null>;
  output(): string;
}

function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('POWGATE_') && k !== 'NODE_OPTIONS') clean[k] = v;
  const proc = spawn(cmd, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  return { proc, exit, output: () => out };
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within ${ms} ms`);
}

describe('three powgate processes behind HAProxy on loopback, one Redis', function () {
  this.timeout(60_000);
  const redis = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let peer: FakeRpcPeer;
  let replicas: Array<{ port: number; run: Proc }> = [];
  let haproxy: Proc | undefined;
  let front = '';

  before(async function () {
    const bin = skipWithout(this, 'haproxy');
    peer = await new FakeRpcPeer().start();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-haproxy-'));
    const ports = [await freePort(), await freePort(), await freePort()];
    replicas = ports.map((port) => ({
      port,
      run: start(process.execPath, [BIN, '--network', 'nano-dev', '--listen', `127.0.0.1:${port}`, '--redis', redis, '--peer', peer.url]),
    }));
    for (const r of replicas) {
      await until(`replica :${r.port} ready`, async () => (await fetch(`http://127.0.0.1:${r.port}/readyz`)).status === 200);
    }
    const frontPort = await freePort();
    writeFileSync(path.join(dir, 'haproxy.cfg'), loopbackHaproxyConfig(frontPort, ports));
    execFileSync(bin, ['-c', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
    haproxy = start(bin, ['-db', '-f', path.join(dir, 'haproxy.cfg')]);
    front = `http://127.0.0.1:${frontPort}`;
    await until('haproxy answers', async () => (await fetch(`${front}/healthz`)).status === 200);
  });

  after(async () => {
    for (const r of replicas) r.run.proc.kill('SIGTERM');
    haproxy?.proc.kill('SIGTERM');
    await Promise.all([...replicas.map((r) => r.run.exit), haproxy?.exit]);
    await peer?.close();
  });

  const generate = (root: string) => rpc(front, { action: 'work_generate', hash: root });

  it('answers work through the balancer from every replica', async () => {
    for (let i = 0; i < 30; i++) {
      const answer = await generate(randomRoot());
      expect(answer.status).to.equal(200);
      expect(answer.json.work, answer.text).to.match(/^[0-9a-f]{16}$/);
    }
    // Every replica took a share (leastconn with equal loads takes turns).
    for (const r of replicas) {
      const metrics = await (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text();
      const served = /^powgate_requests_total\{action="work_generate"[^}]*\} (\d+)/m.exec(metrics);
      expect(Number(served?.[1] ?? 0), `replica :${r.port}`).to.be.above(0);
    }
  });

  it('serves work generated on one replica from the shared cache on the others', async () => {
    const root = randomRoot();
    const first = await rpc(`http://127.0.0.1:${replicas[0]?.port}`, { action: 'work_generate', hash: root });
    const calls = peer.generates().length;
    for (let i = 0; i < 9; i++) {
      const again = await generate(root);
      expect(again.json.work).to.equal(first.json.work);
    }
    expect(peer.generates().length).to.equal(calls);
  });

  it('keeps answering while a replica shuts down', async () => {
    const victim = replicas[2] as { port: number; run: Proc };
    const answers = Array.from({ length: 40 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 25));
      return generate(randomRoot());
    });
    setTimeout(() => victim.run.proc.kill('SIGTERM'), 200);
    for (const answer of await Promise.all(answers)) expect(answer.json.work, answer.text).to.match(/^[0-9a-f]{16}$/);
    expect(await victim.run.exit).to.equal(0);
  });
});
