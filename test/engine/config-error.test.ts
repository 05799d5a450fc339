import { expect } from 'chai';
import { createLocalBackend } from '../../lib/backends/local.js';
import type { Backend, WorkJob } from '../../lib/backends/types.js';
import { BackendConfigError } from '../../lib/errors.js';
import type { Powgate } from '../../lib/server.js';
import { captureLogs, randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const DEV_BASE = 'ffc0000000000000';

/** A backend whose upstream refuses our credentials, counting the calls that reach it. */
function refusedBackend(name: string): Backend & { calls: number } {
  const backend = {
    name,
    type: 'test',
    calls: 0,
    supports: () => true,
    async generate(_job: WorkJob): Promise<bigint> {
      backend.calls++;
      throw new BackendConfigError(`${name}: upstream rejected the credentials (check backends.${name}.api_key)`, `backends.${name}.api_key`);
    },
    async close() {},
  };
  return backend;
}

describe('engine: a backend configuration error', () => {
  let pg: Powgate | undefined;
  afterEach(async () => {
    await pg?.close();
    pg = undefined;
  });

  it('hands over at once, opens the circuit for max_cooldown, and logs one line, not one per request', async () => {
    const refused = refusedBackend('svc');
    const { logger, lines } = captureLogs('info');
    const gate = (pg = await startTestPowgate(
      {
        backends: { svc: { type: 'local', cpu_threads: 1 }, local: { type: 'local', cpu_threads: 1 } },
        tiers: [{ backends: ['svc'], hedge_after: '1m' }, { backends: ['local'] }],
        breaker: { failures: 3, cooldown: '1s', max_cooldown: '2m' },
      },
      new Map<string, Backend>([
        ['svc', refused],
        ['local', createLocalBackend('local', { cpuThreads: 1, cpuImpl: 'auto', gpu: 'off' })],
      ]),
      { logger },
    ));
    // Five concurrent requests race into the refusal before the circuit opens; later ones never reach it.
    const first = await Promise.all(Array.from({ length: 5 }, () => rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE })));
    for (const answer of first) expect(answer.headers.get('x-powgate-source')).to.equal('local');
    const reached = refused.calls;
    expect(reached).to.be.within(1, 5);
    for (let i = 0; i < 3; i++) {
      const { headers } = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: DEV_BASE });
      expect(headers.get('x-powgate-source')).to.equal('local');
    }
    expect(refused.calls).to.equal(reached);
    const breaker = gate.service.breakers.get('svc');
    expect(breaker?.state).to.equal('open');
    expect(breaker?.retryIn).to.be.above(100_000);
    const metrics = await (await fetch(`${gate.url}/metrics`)).text();
    expect(metrics).to.include('powgate_backend_circuit_state{backend="svc"} 2');
    expect(metrics).to.include(`powgate_backend_outcomes_total{backend="svc",outcome="circuit_open"} ${8 - reached}`);
    const configLines = lines.filter((l) => l.includes('configuration error'));
    expect(configLines, lines.join('\n')).to.have.length(1);
    const line = JSON.parse(configLines[0] as string) as Record<string, unknown>;
    expect(line.level).to.equal(50);
    expect(line.backend).to.equal('svc');
    expect(line.key).to.equal('backends.svc.api_key');
    expect(lines.filter((l) => l.includes('backend failed'))).to.have.length(0);
  });
});
