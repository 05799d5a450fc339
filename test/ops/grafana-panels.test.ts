import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { freePort } from '../helpers/ports.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

const PROMETHEUS = process.env.PROMETHEUS ?? 'prometheus';
const DASHBOARD = JSON.parse(readFileSync(new URL('../../config/grafana-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Array<{ id: number; title: string; targets?: Array<{ expr: string }> }>;
};

interface QueryAnswer {
  status: string;
  data?: { result: unknown[] };
}

/** A default install scraped every second by a real Prometheus (Debian's, with the project's rules loaded). */
describe('Grafana panels against a real Prometheus scraping a default install', function () {
  this.timeout(90_000);
  let gate: Powgate;
  let prometheus: ChildProcess;
  let dir: string;
  let api: string;

  const query = async (expr: string): Promise<QueryAnswer> =>
    (await fetch(`${api}/api/v1/query?query=${encodeURIComponent(expr)}`)).json() as Promise<QueryAnswer>;

  before(async () => {
    gate = await startTestPowgate();
    dir = mkdtempSync(path.join(os.tmpdir(), 'powgate-prometheus-'));
    const rules = new URL('../../config/prometheus-rules.yaml', import.meta.url).pathname;
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: ['${rules}']\nscrape_configs:\n  - job_name: powgate\n    static_configs: [{ targets: ['${new URL(gate.url).host}'] }]\n`,
    );
    const port = await freePort();
    api = `http://127.0.0.1:${port}`;
    prometheus = spawn(PROMETHEUS, [`--config.file=${dir}/prometheus.yml`, `--storage.tsdb.path=${dir}/data`, `--web.listen-address=127.0.0.1:${port}`], {
      stdio: 'ignore',
    });
    const spawned = new Promise<void>((_, reject) =>
      prometheus.once('error', (err) => reject(new Error(`${PROMETHEUS}: ${err.message} (npm test installs Debian's prometheus)`))),
    );
    // Traffic: misses and repeats, until rate() over the scrapes has something to say.
    const ready = (async () => {
      for (let i = 0; ; i++) {
        await rpc(gate.url, { action: 'work_generate', hash: i % 3 === 2 ? 'AB'.repeat(32) : randomRoot(), difficulty: 'ffc0000000000000' });
        const answer = await query('sum(rate(powgate_cache_hits_total[1m]))').catch(() => undefined);
        if (i > 5 && answer?.data?.result.length === 1) return;
        await new Promise((r) => setTimeout(r, 300));
      }
    })();
    await Promise.race([ready, spawned]);
  });

  after(async () => {
    prometheus?.kill();
    await gate?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every panel query has data in normal operation (none reads "No data")', async () => {
    const empty: string[] = [];
    for (const panel of DASHBOARD.panels) {
      for (const target of panel.targets ?? []) {
        const expr = target.expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m');
        const answer = await query(expr);
        expect(answer.status, `${panel.title}: ${expr}`).to.equal('success');
        if (answer.data?.result.length === 0) empty.push(`${panel.id} ${panel.title}`);
      }
    }
    expect(empty).to.deep.equal([]);
  });

  it('no alert is even pending on a healthy default install (no node websocket configured)', async () => {
    const answer = await query('ALERTS');
    expect(answer.data?.result).to.deep.equal([]);
  });
});
