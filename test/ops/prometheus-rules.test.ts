import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';

/** Runs promtool; a missing promtool fails the test (npm test installs it: see README). */
function promtool(args: readonly string[], stdin?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(PROMTOOL, args, { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new Error(`${PROMTOOL} not found: install Debian's prometheus package (apt-get install prometheus), or run npm test, which does`));
        return;
      }
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

describe('Prometheus rules and metrics, checked by promtool', function () {
  this.timeout(60_000);

  it('the rules file is valid', async () => {
    const { code, output } = await promtool(['check', 'rules', 'config/prometheus-rules.yaml']);
    expect(code, output).to.equal(0);
  });

  it('every alert fires when it should and stays quiet when it should (promtool test rules)', async () => {
    const { code, output } = await promtool(['test', 'rules', 'test/ops/prometheus-rules.promtest.yaml']);
    expect(code, output).to.equal(0);
    expect(output).to.match(/SUCCESS/);
  });

  it('a real scrape passes promtool check metrics', async () => {
    const peer = await new FakeRpcPeer().start();
    const gate = await startTestPowgate({
      backends: { peers: { type: 'rpc', urls: [peer.url] }, local: { type: 'local', cpu_threads: 1 } },
      tiers: [{ backends: ['peers'] }, { backends: ['local'] }],
    });
    try {
      // Traffic first, so labelled series (requests, outcomes, durations) are in the scrape.
      const answer = await rpc(gate.url, { action: 'work_generate', hash: randomRoot(), difficulty: 'ffc0000000000000' });
      expect(answer.json.work).to.match(/^[0-9a-f]{16}$/);
      await rpc(gate.url, { action: 'work_validate', hash: randomRoot(), work: '0000000000000000' });
      const scrape = await (await fetch(`${gate.url}/metrics`)).text();
      const { code, output } = await promtool(['check', 'metrics'], scrape);
      expect(code, output).to.equal(0);
      expect(output).to.equal('');
    } finally {
      await gate.close();
      await peer.close();
    }
  });
});
