import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createServiceMetrics, MAX_SERVICE_LABELS } from '../../lib/metrics/services.js';
import { MemoryServiceStore } from '../../lib/services/memory-store.js';
import type { ServiceReport, ServicesReport } from '../../lib/status/types.js';
import { randomRoot, startTestPowgate } from '../helpers/powgate.js';

function service(name: string, requests: number, over: Partial<ServiceReport> = {}): ServiceReport {
  return {
    name,
    display: null,
    website: null,
    public: false,
    origin: 'database',
    limits: { rate: 10, burst: 20, maxDelaySeconds: 2, dailyQuota: null, actions: null },
    requests,
    refused: { action: 0, rate: 1, quota: 0, credits: 0 },
    works: { cache: 1, local: 2 },
    precacheHits: 1,
    usedToday: 2,
    credits: null,
    ...over,
  };
}

describe('service metrics', () => {
  it('labels at most 100 services; the rest add up under service="other"', async () => {
    const services = Array.from({ length: MAX_SERVICE_LABELS + 50 }, (_, i) => service(`s${String(i).padStart(3, '0')}`, 1000 - i));
    const report: ServicesReport = { auth: 'required', serviceApi: true, refused: { missingKey: 4, unknownKey: 5 }, count: services.length, services };
    const registry = new Registry();
    createServiceMetrics(registry, () => report);
    const text = await registry.metrics();
    const series = text.split('\n').filter((l) => l.startsWith('powgate_service_requests_total{'));
    expect(series).to.have.length(MAX_SERVICE_LABELS + 1);
    expect(text).to.include('powgate_service_requests_total{service="s000"} 1000');
    // The 50 least busy: 1000-100 ... 1000-149.
    const other = Array.from({ length: 50 }, (_, i) => 1000 - (MAX_SERVICE_LABELS + i)).reduce((a, b) => a + b, 0);
    expect(text).to.include(`powgate_service_requests_total{service="other"} ${other}`);
    expect(text).to.include('powgate_service_works_total{service="other",source="local"} 100');
    expect(text).to.include('powgate_service_refused_total{service="s001",reason="rate"} 1');
    expect(text).to.include('powgate_service_auth_refused_total{reason="missing_key"} 4');
    expect(text).to.include('powgate_service_auth_refused_total{reason="unknown_key"} 5');
    expect(text).to.include('powgate_service_used_today{service="s000"} 2');
    expect(text).to.not.include('powgate_service_credits{');
  });

  it("a running powgate's /metrics and /api/status count each service's requests and works", async function () {
    this.timeout(20_000);
    const key = 'metrics-service-key-0123456789';
    const gate = await startTestPowgate({ rpc: { auth: 'required' }, services: { app: { key, rate: 0 } } }, undefined, {
      serviceStore: new MemoryServiceStore(),
    });
    try {
      const body = JSON.stringify({ action: 'work_generate', hash: randomRoot(), difficulty: 'f000000000000000' });
      for (let i = 0; i < 2; i++) await fetch(gate.url, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body });
      await fetch(gate.url, { method: 'POST', body });
      await fetch(gate.url, { method: 'POST', headers: { authorization: 'Bearer nope' }, body });
      const metrics = await (await fetch(`${gate.url}/metrics`)).text();
      expect(metrics).to.include('powgate_service_requests_total{service="app"} 2');
      expect(metrics).to.include('powgate_service_works_total{service="app",source="local"} 1');
      expect(metrics).to.include('powgate_service_works_total{service="app",source="cache"} 1');
      expect(metrics).to.include('powgate_service_auth_refused_total{reason="missing_key"} 1');
      expect(metrics).to.include('powgate_service_auth_refused_total{reason="unknown_key"} 1');
      expect(metrics).to.include('powgate_service_used_today{service="app"} 1');
      const status = (await (await fetch(`${gate.url}/api/status`)).json()) as { services: ServicesReport };
      expect(status.services).to.deep.include({ auth: 'required', serviceApi: true, refused: { missingKey: 1, unknownKey: 1 }, count: 1 });
      expect(status.services.services[0]).to.deep.include({
        name: 'app',
        origin: 'config',
        requests: 2,
        works: { local: 1, cache: 1 },
        usedToday: 1,
        credits: null,
      });
    } finally {
      await gate.close();
    }
  });
});
