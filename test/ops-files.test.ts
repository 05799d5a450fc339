import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse } from 'yaml';
import { startTestPowgate } from './helpers/powgate.js';
import { type Family, parsePromText } from './helpers/prom-text.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

const RULES = parse(read('config/prometheus-rules.yaml')) as { groups: Array<{ name: string; rules: Rule[] }> };
const GRAFANA = JSON.parse(read('config/grafana-dashboard.json')) as {
  title: string;
  uid: string;
  panels: Array<{
    id: number;
    type: string;
    title: string;
    gridPos: { x: number; w: number };
    datasource?: { uid: string };
    targets?: Array<{ expr: string }>;
  }>;
  templating: { list: Array<{ name: string }> };
};

/** The powgate metric families an expression reads; a histogram's _bucket/_sum/_count name its family. */
function metricsIn(expr: string, families: Map<string, Family>): string[] {
  return [...expr.matchAll(/\b(powgate_[a-z0-9_]+)/g)].map(([, name]) => {
    const n = name as string;
    if (families.has(n)) return n;
    const base = n.replace(/_(bucket|sum|count)$/, '');
    return families.get(base)?.type === 'histogram' ? base : n;
  });
}

describe('operator files in config/', () => {
  let families: Map<string, Family>;
  before(async () => {
    const gate = await startTestPowgate();
    try {
      families = parsePromText(await (await fetch(`${gate.url}/metrics`)).text());
    } finally {
      await gate.close();
    }
  });

  describe('prometheus-rules.yaml', () => {
    const rules = RULES.groups.flatMap((g) => g.rules);

    it('has one powgate group with the alerts an SRE needs', () => {
      expect(RULES.groups.map((g) => g.name)).to.deep.equal(['powgate']);
      expect(rules.map((r) => r.alert)).to.have.members([
        'PowgateNoValidWork',
        'PowgateNotReady',
        'PowgateDegraded',
        'PowgateBackendCircuitOpen',
        'PowgateCacheErrors',
        'PowgatePrecacheWebsocketDown',
        'PowgateHighLatency',
        'PowgateBackendInvalidWork',
        'PowgateEventLoopLag',
        'PowgateLedgerDropping',
      ]);
    });

    it('gives every alert an expression, a duration, a severity and a summary', () => {
      for (const rule of rules) {
        expect(rule.expr, rule.alert)
          .to.be.a('string')
          .and.match(/powgate_/);
        expect(rule.for, rule.alert).to.match(/^\d+[smh]$/);
        expect(rule.labels.severity, rule.alert).to.be.oneOf(['critical', 'warning']);
        expect(rule.annotations.summary, rule.alert).to.be.a('string').and.not.equal('');
      }
    });

    it('reads only metrics powgate exposes', () => {
      for (const rule of rules) {
        for (const name of metricsIn(rule.expr, families)) expect(families.has(name), `${rule.alert}: ${name}`).to.equal(true);
      }
    });

    it('is documented in README.md', () => {
      const readme = read('README.md');
      for (const rule of rules) expect(readme, rule.alert).to.include(`\`${rule.alert}\``);
    });
  });

  describe('grafana-dashboard.json', () => {
    const queried = GRAFANA.panels.filter((p) => p.type !== 'row');

    it('is an importable dashboard with a data-source variable and unique panel ids', () => {
      expect(GRAFANA.title).to.equal('powgate');
      expect(GRAFANA.templating.list.map((v) => v.name)).to.include.members(['datasource', 'instance']);
      const ids = GRAFANA.panels.map((p) => p.id);
      expect(new Set(ids).size).to.equal(ids.length);
      for (const panel of queried) {
        expect(panel.datasource?.uid, panel.title).to.equal('${datasource}');
        expect(panel.targets?.length, panel.title).to.be.greaterThan(0);
        expect(panel.gridPos.x + panel.gridPos.w, panel.title).to.be.at.most(24);
      }
    });

    it('queries only metrics powgate exposes, and shows each area an operator looks at', () => {
      const used = new Set<string>();
      for (const panel of queried) {
        for (const target of panel.targets ?? []) {
          for (const name of metricsIn(target.expr, families)) {
            expect(families.has(name), `${panel.title}: ${name}`).to.equal(true);
            used.add(name);
          }
        }
      }
      for (const name of [
        'powgate_requests_total',
        'powgate_request_duration_seconds',
        'powgate_work_returned_total',
        'powgate_backend_outcomes_total',
        'powgate_backend_duration_seconds',
        'powgate_backend_circuit_state',
        'powgate_cache_hits_total',
        'powgate_cache_errors_total',
        'powgate_jobs_in_flight',
        'powgate_local_hashes_total',
        'powgate_precache_websocket_connected',
        'powgate_precache_queue_depth',
        'powgate_ready',
        'powgate_nodejs_eventloop_lag_p99_seconds',
      ]) {
        expect(used.has(name), name).to.equal(true);
      }
    });
  });

  it('ship with the package and the Docker image', () => {
    const pkg = JSON.parse(read('package.json')) as { files: string[] };
    expect(pkg.files).to.include('config');
    expect(read('Dockerfile')).to.match(/^COPY config \.\/config$/m);
  });
});
