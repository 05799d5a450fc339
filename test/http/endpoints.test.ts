import { expect } from 'chai';
import type { Powgate } from '../../lib/server.js';
import { FakeRpcPeer } from '../fakes/rpc-peer.js';
import { randomRoot, rpc, startTestPowgate } from '../helpers/powgate.js';

describe('HTTP surface', () => {
  let gate: Powgate;
  let peer: FakeRpcPeer;
  before(async () => {
    peer = await new FakeRpcPeer().start();
    gate = await startTestPowgate({ backends: { peer: { type: 'rpc', urls: [peer.url] } } });
  });
  after(async () => {
    await gate.close();
    await peer.close();
  });

  it('answers anything but POST with the node error, HTTP 200', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await fetch(`${gate.url}/`, { method });
      expect(res.status).to.equal(200);
      expect(await res.text()).to.equal('{\n    "error": "Can only POST requests"\n}\n');
    }
  });

  it('answers OPTIONS with the CORS headers and an empty body', async () => {
    const res = await fetch(`${gate.url}/`, { method: 'OPTIONS' });
    expect(res.status).to.equal(200);
    expect(res.headers.get('access-control-allow-methods')).to.equal('POST, OPTIONS');
    expect(res.headers.get('allow')).to.equal('POST, OPTIONS');
    expect(await res.text()).to.equal('');
  });

  it('accepts RPC on any path, like the node', async () => {
    const res = await fetch(`${gate.url}/api/whatever`, { method: 'POST', body: JSON.stringify({ action: 'work_validate', hash: '1', work: '1' }) });
    expect(((await res.json()) as Record<string, string>).valid_all).to.equal('0');
  });

  it('malformed JSON, missing action, deep nesting and unknown input never fail the HTTP request', async () => {
    const cases: Array<[string, string]> = [
      ['{"action":', 'Unable to parse JSON'],
      ['', 'Unable to parse JSON'],
      ['[1,2]', 'Unable to parse JSON'],
      ['"work_generate"', 'Unable to parse JSON'],
      ['{"hash":"1"}', 'Unable to parse JSON'],
      [`{"action":"work_validate","x":${'['.repeat(30)}${']'.repeat(30)}}`, 'Max JSON depth exceeded'],
    ];
    for (const [body, error] of cases) {
      const { status, json } = await rpc(gate.url, body);
      expect(status, body).to.equal(200);
      expect(json.error, body).to.equal(error);
    }
  });

  it('refuses a body over rpc.body_limit with a clear error', async () => {
    const { status, json } = await rpc(gate.url, JSON.stringify({ action: 'work_validate', pad: 'x'.repeat(70_000) }));
    expect(status).to.equal(200);
    expect(json.error).to.equal('Request body larger than 65536 bytes (rpc.body_limit)');
  });

  it('GET /healthz says ok', async () => {
    const res = await fetch(`${gate.url}/healthz`);
    expect(res.status).to.equal(200);
    expect(await res.json()).to.deep.equal({ status: 'ok' });
  });

  it('GET /metrics exposes requests, durations, backend outcomes, cache and jobs, with no roots as labels', async () => {
    const root = randomRoot();
    await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
    await rpc(gate.url, { action: 'work_generate', hash: root, difficulty: 'ffc0000000000000' });
    await rpc(gate.url, { action: 'work_validate', hash: root, work: 'zz' });
    const res = await fetch(`${gate.url}/metrics`);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await res.text();
    expect(text).to.include('powgate_requests_total{action="work_generate",outcome="ok"} 2');
    expect(text).to.include('powgate_requests_total{action="work_validate",outcome="error"} 1');
    expect(text).to.include('powgate_request_duration_seconds_bucket{le="0.0005",action="work_generate"}');
    // The buckets hold the two requests, not just their names.
    expect(text).to.include('powgate_request_duration_seconds_bucket{le="+Inf",action="work_generate"} 2');
    expect(text).to.include('powgate_backend_outcomes_total{backend="peer",outcome="won"} 1');
    expect(text).to.include('powgate_backend_duration_seconds_count{backend="peer",outcome="won"} 1');
    expect(text).to.include('powgate_cache_hits_total 1');
    expect(text).to.include('powgate_cache_misses_total 1');
    expect(text).to.include('powgate_jobs_in_flight 0');
    expect(text).to.include('powgate_work_returned_total{source="cache"} 1');
    expect(text).to.not.include(root);
  });
});
