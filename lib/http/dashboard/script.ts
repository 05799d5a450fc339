import { DOM_HELPERS_JS } from './dom-helpers.js';

// Plain ES2017 for any current browser; no template literals inside, so this
// file's own template string needs no escaping. Values reach the page only
// through textContent and attributes, never as HTML.
export const DASHBOARD_JS = `'use strict';
(function () {
  var POLL_MS = 1000;

${DOM_HELPERS_JS}  function rate(n) { return n < 10 && n > 0 ? n.toFixed(2) : count(n); }
  function pct(r) { return r === null || r === undefined ? '–' : (r * 100).toFixed(1) + ' %'; }
  // Durations come from a millisecond clock: below 1 ms there is nothing to show but that.
  function secs(s) {
    if (s === null || s === undefined) return '–';
    if (s < 0.001) return '<1 ms';
    if (s < 1) return Math.round(s * 1000) + ' ms';
    return s.toFixed(s < 10 ? 2 : 1) + ' s';
  }
  function hashes(h) {
    var units = ['H/s', 'kH/s', 'MH/s', 'GH/s'];
    var i = 0;
    while (h >= 1000 && i < units.length - 1) { h /= 1000; i++; }
    return (i === 0 ? String(Math.round(h)) : h.toFixed(1)) + ' ' + units[i];
  }
  function uptime(s) {
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d > 0) return d + 'd ' + h + 'h';
    if (h > 0) return h + 'h ' + m + 'm';
    return m + 'm ' + (s % 60) + 's';
  }
  function clock(iso) { var d = new Date(iso); return isNaN(d.getTime()) ? '' : d.toLocaleTimeString(); }
  function state(text, cls) { return el('span', text, 'state ' + cls); }

  // Both lines are averaged over the last WINDOW seconds: one second's ratio jumps between 0 and 100 %.
  var WINDOW = 10;

  // An SVG path through the values, right-aligned on a 600-wide chart of one slot per second; a null value
  // (no cache lookup in the window) ends the line there, so a gap shows as a gap, not a ramp across it.
  function path(values, max, seconds) {
    var step = 600 / Math.max(1, seconds - 1);
    var offset = 600 - step * Math.max(0, values.length - 1);
    var d = '';
    var drawing = false;
    for (var i = 0; i < values.length; i++) {
      if (values[i] === null) { drawing = false; continue; }
      var x = offset + i * step;
      var y = 158 - (max > 0 ? Math.min(values[i] / max, 1) : 0) * 156;
      d += (drawing ? 'L' : 'M') + x.toFixed(1) + ' ' + y.toFixed(1) + ' ';
      drawing = true;
    }
    return d.trim();
  }

  // The smallest 1, 2 or 5 times a power of ten at or above v.
  function niceCeil(v) {
    if (v <= 0) return 1;
    var p = Math.pow(10, Math.floor(Math.log(v) / Math.LN10));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v - 1e-9) return steps[i] * p;
    return 10 * p;
  }

  function renderChart(s) {
    var reqs = s.series.requests;
    var hits = s.series.cacheHits, misses = s.series.cacheMisses;
    var rates = [], ratios = [];
    var peak = 0, top = 0;
    var sumReq = 0, sumHits = 0, sumLookups = 0;
    for (var i = 0; i < reqs.length; i++) {
      if (reqs[i] > peak) peak = reqs[i];
      sumReq += reqs[i];
      sumHits += hits[i];
      sumLookups += hits[i] + misses[i];
      if (i >= WINDOW) {
        sumReq -= reqs[i - WINDOW];
        sumHits -= hits[i - WINDOW];
        sumLookups -= hits[i - WINDOW] + misses[i - WINDOW];
      }
      var n = Math.min(i + 1, WINDOW);
      var avg = sumReq / n;
      if (avg > top) top = avg;
      rates.push(avg);
      ratios.push(sumLookups > 0 ? sumHits / sumLookups : null);
    }
    var max = niceCeil(top);
    field('chart-requests').setAttribute('d', path(rates, max, s.series.seconds));
    field('chart-hits').setAttribute('d', path(ratios, 1, s.series.seconds));
    setText('chart-max', rate(max) + '/s');
    setText('chart-mid', rate(max / 2) + '/s');
    setText('chart-window', String(WINDOW));
    setText('chart-peak', rate(peak) + '/s');
    setText('chart-minutes', String(Math.round(s.series.seconds / 60)));
    setText('chart-span', Math.round(s.series.seconds / 60) + ' min');
  }

  // On a narrow screen each row is a block of labelled cells (see the stylesheet): the label is the column's header.
  function labelled(tr, headers) {
    for (var i = 0; i < tr.children.length; i++) {
      if (headers[i]) tr.children[i].setAttribute('data-label', headers[i]);
    }
    return tr;
  }
  function headersOf(body) {
    var ths = body.parentNode.querySelectorAll('thead th');
    var names = [];
    for (var i = 0; i < ths.length; i++) names.push(ths[i].textContent);
    return names;
  }

  function renderBackends(s) {
    var body = field('backends');
    var headers = headersOf(body);
    var rows = document.createDocumentFragment();
    s.backends.forEach(function (b) {
      var tr = el('tr');
      tr.setAttribute('data-backend', b.name);
      tr.appendChild(el('td', b.name + ' (' + b.type + ')'));
      tr.appendChild(el('td', String(b.tier), 'n'));
      var circuit = el('td');
      circuit.appendChild(state(b.circuit.replace('_', '-'), b.circuit));
      if (b.circuit === 'open' && b.retryInSeconds > 0) circuit.appendChild(el('span', ' ' + b.retryInSeconds.toFixed(1) + ' s', 'sub'));
      tr.appendChild(circuit);
      var health = el('td');
      if (b.health) {
        health.appendChild(state(b.health.state.replace('_', ' '), b.health.state));
        if (b.health.detail) health.title = b.health.detail;
      } else {
        health.textContent = '–';
      }
      tr.appendChild(health);
      ['won', 'lost', 'failed', 'invalid'].forEach(function (k) {
        var td = el('td', count(b.counts[k]), 'n');
        td.setAttribute('data-count', k);
        tr.appendChild(td);
      });
      // Skips never reached the backend, so they are not failures: a job can fail while its backends skipped.
      var skipped = el('td', count(b.counts.unsupported + b.counts.circuitOpen), 'n');
      skipped.setAttribute('data-count', 'skipped');
      skipped.title = count(b.counts.unsupported) + ' could not serve the difficulty · ' + count(b.counts.circuitOpen) + ' circuit open';
      tr.appendChild(skipped);
      tr.appendChild(el('td', secs(b.latency.p50), 'n'));
      tr.appendChild(el('td', secs(b.latency.p99), 'n'));
      tr.appendChild(el('td', b.endpoints.join(', ') || '–', 'mono'));
      rows.appendChild(labelled(tr, headers));
    });
    body.replaceChildren(rows);
  }

  function renderJobs(s) {
    var body = field('jobs');
    var headers = headersOf(body);
    var rows = document.createDocumentFragment();
    if (s.recentJobs.length === 0) {
      var empty = el('tr');
      var td = el('td', 'no job yet', 'empty');
      td.colSpan = 6;
      empty.appendChild(td);
      rows.appendChild(empty);
    }
    s.recentJobs.forEach(function (j) {
      var tr = el('tr');
      tr.appendChild(el('td', clock(j.at)));
      tr.appendChild(el('td', j.root, 'mono'));
      var kind = el('td');
      kind.appendChild(j.kind === 'precache' ? el('span', 'precache', 'tag precache') : el('span', 'client', 'tag'));
      tr.appendChild(kind);
      tr.appendChild(el('td', j.source || '–'));
      tr.appendChild(el('td', secs(j.seconds), 'n'));
      var outcome = el('td', null, 'outcome');
      outcome.appendChild(el('span', j.outcome, 'outcome-' + j.outcome));
      if (j.reason) {
        var why = el('span', j.reason, 'why');
        why.title = j.reason;
        outcome.appendChild(why);
      }
      tr.appendChild(outcome);
      rows.appendChild(labelled(tr, headers));
    });
    body.replaceChildren(rows);
  }

  // Hub backends (lib/hub): one card over all hubs, and the top workers of the first ones.
  function renderHubs(s) {
    var hubs = s.hubs || [];
    field('hub-card').hidden = hubs.length === 0;
    field('hub-panel').hidden = hubs.length === 0;
    if (hubs.length === 0) return;
    var connected = 0, seen = 0, accepted = 0, invalid = 0, late = 0, external = false;
    var rows = document.createDocumentFragment();
    hubs.forEach(function (h) {
      if (h.workersConnected === null) external = true; else connected += h.workersConnected;
      seen += h.workersSeen;
      accepted += h.results.accepted.ondemand + h.results.accepted.precache;
      invalid += h.results.invalid.ondemand + h.results.invalid.precache;
      late += h.results.late.ondemand + h.results.late.precache;
      h.workers.slice(0, 10).forEach(function (w) {
        var tr = el('tr');
        tr.appendChild(el('td', w.account, 'mono'));
        tr.appendChild(el('td', count(w.accepted.ondemand + w.accepted.precache), 'n'));
        tr.appendChild(el('td', count(w.invalid.ondemand + w.invalid.precache), 'n'));
        tr.appendChild(el('td', count(w.late.ondemand + w.late.precache), 'n'));
        tr.appendChild(el('td', secs(w.meanSeconds), 'n'));
        tr.appendChild(el('td', clock(new Date(w.lastSeen).toISOString())));
        rows.appendChild(tr);
      });
    });
    setText('hub-workers', external ? String(seen) + ' seen' : String(connected));
    setText('hub-detail', count(accepted) + ' accepted · ' + count(invalid) + ' invalid · ' + count(late) + ' late');
    field('hub-workers-table').replaceChildren(rows);
  }

  // Services (lib/services): names, limits and counts; the status report never carries a key.
  function renderServices(s) {
    var v = s.services;
    var shown = v && (v.count > 0 || v.auth !== 'off');
    field('services-panel').hidden = !shown;
    if (!shown) return;
    setText('services-detail', 'rpc.auth ' + v.auth + ' · DPoW service API ' + (v.serviceApi ? 'on' : 'off') + ' · refused without a known key: ' +
      count(v.refused.missingKey) + ' missing, ' + count(v.refused.unknownKey) + ' unknown' + (v.count > v.services.length ? ' · top ' + v.services.length + ' of ' + v.count : ''));
    var body = field('services-table');
    var headers = headersOf(body);
    var rows = document.createDocumentFragment();
    v.services.forEach(function (svc) {
      var tr = el('tr');
      tr.appendChild(el('td', svc.display ? svc.display + ' (' + svc.name + ')' : svc.name));
      tr.appendChild(el('td', svc.public ? 'public' : 'private'));
      tr.appendChild(el('td', count(svc.requests), 'n'));
      var refused = svc.refused.action + svc.refused.rate + svc.refused.quota + svc.refused.credits;
      var cell = el('td', count(refused), 'n');
      cell.title = count(svc.refused.rate) + ' rate · ' + count(svc.refused.quota) + ' quota · ' + count(svc.refused.credits) + ' credits · ' + count(svc.refused.action) + ' action';
      tr.appendChild(cell);
      var works = 0;
      Object.keys(svc.works).forEach(function (k) { if (k !== 'cache') works += svc.works[k]; });
      tr.appendChild(el('td', count(works), 'n'));
      tr.appendChild(el('td', count(svc.works.cache || 0), 'n'));
      tr.appendChild(el('td', count(svc.precacheHits), 'n'));
      tr.appendChild(el('td', count(svc.usedToday) + (svc.limits.dailyQuota === null ? '' : ' / ' + count(svc.limits.dailyQuota)), 'n'));
      tr.appendChild(el('td', svc.credits === null ? '–' : count(svc.credits), 'n'));
      rows.appendChild(labelled(tr, headers));
    });
    body.replaceChildren(rows);
  }

  function render(s) {
    setText('version', 'v' + s.version);
    setText('network', s.network);
    setText('uptime', uptime(s.uptimeSeconds));
    var ready = field('ready');
    ready.textContent = !s.ready.ready ? 'not ready' : s.ready.degraded ? 'degraded' : 'ready';
    ready.className = 'badge ' + (!s.ready.ready ? 'bad' : s.ready.degraded ? 'warn' : 'ok');
    ready.title = s.ready.reasons.concat(s.ready.degradedReasons).join('\\n');
    setText('updated', clock(s.now));
    setText('rps', rate(s.recent.requestsPerSecond));
    setText('recent-seconds', String(s.recent.seconds));
    setText('totals-requests', count(s.totals.requests));
    setText('hit-ratio', pct(s.recent.cacheHitRatio));
    setText('totals-hits', count(s.totals.cacheHits));
    setText('totals-misses', count(s.totals.cacheMisses));
    setText('in-flight', String(s.inFlight));
    setText('jobs-won', count(s.totals.jobs.won));
    setText('jobs-failed', count(s.totals.jobs.failed));
    if (s.generator) {
      setText('hash-rate', hashes(s.generator.hashesPerSecond));
      setText('generator', s.generator.threads + (s.generator.threads === 1 ? ' thread · ' : ' threads · ') + count(s.generator.hashes) + ' hashes');
    } else {
      setText('hash-rate', 'off');
      setText('generator', 'no local backend');
    }
    var p = s.precache;
    if (!p.enabled) {
      setText('precache-state', 'off');
      setText('precache-detail', 'not configured');
    } else {
      setText('precache-state', p.websocket);
      setText('precache-detail', count(p.trackedAccounts) + ' accounts · queue ' + count(p.queueDepth) + ' · hits ' +
        (p.requests > 0 ? pct(p.hits / p.requests) : '–'));
    }
    setText('cache-state', s.cache.reachable ? 'reachable' : 'unreachable');
    setText('cache-kind', s.cache.kind);
    setText('totals-cache-errors', count(s.totals.cacheErrors));
    renderChart(s);
    renderBackends(s);
    renderJobs(s);
    renderHubs(s);
    renderServices(s);
    var banner = field('banner');
    if (!s.ready.ready) {
      banner.textContent = 'Not ready: ' + s.ready.reasons.join('; ');
      banner.hidden = false;
    } else if (s.ready.degraded) {
      banner.textContent = 'Degraded: ' + s.ready.degradedReasons.join('; ');
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  function poll() {
    fetch('api/status', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status);
        return res.json();
      })
      .then(render)
      .catch(function (err) {
        var banner = field('banner');
        banner.textContent = 'No answer from powgate (' + (err && err.message) + '); retrying.';
        banner.hidden = false;
      })
      .then(function () { setTimeout(poll, POLL_MS); });
  }

  poll();
})();
`;
