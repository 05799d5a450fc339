import { DOM_HELPERS_JS } from './dom-helpers.js';

// The hub page's script: plain ES2020 (BigInt for amounts of raw), no template
// literals inside; values reach the page only through textContent.
export const HUB_JS = `'use strict';
(function () {
  var POLL_MS = 5000;
${DOM_HELPERS_JS}  // Raw (a decimal string) in the unit, exactly: BigInt, never a float.
  function amount(raw, unitRaw, unit) {
    var r = BigInt(raw), u = BigInt(unitRaw);
    var whole = r / u, frac = (r % u).toString().padStart(unitRaw.length - 1, '0').replace(/0+$/, '');
    if (frac.length > 6) frac = frac.slice(0, 6);
    return whole.toString() + (frac ? '.' + frac : '') + ' ' + unit;
  }
  // Micro-receives to receive-level works.
  function weight(micro) {
    var m = BigInt(micro), whole = m / 1000000n, frac = (m % 1000000n).toString().padStart(6, '0').slice(0, 2).replace(/0+$/, '');
    return whole.toString() + (frac ? '.' + frac : '');
  }
  function share(fraction) { return (Number(fraction) * 100).toFixed(2) + ' %'; }
  function day(iso) { return iso ? iso.slice(0, 16).replace('T', ' ') : ''; }
  function labelled(tr, body) {
    var ths = body.parentNode.querySelectorAll('thead th');
    for (var i = 0; i < tr.children.length; i++) if (ths[i]) tr.children[i].setAttribute('data-label', ths[i].textContent);
    return tr;
  }
  function empty(body, text, cols) {
    var tr = el('tr'), td = el('td', text, 'empty');
    td.colSpan = cols;
    tr.appendChild(td);
    body.replaceChildren(tr);
  }
  function getJson(path) {
    return fetch(path, { cache: 'no-store', headers: { accept: 'application/json' } }).then(function (res) {
      if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
      return res.json();
    });
  }

  function render(stats, workers, payouts, status) {
    var unit = stats.rewards.unit, unitRaw = stats.rewards.unitRaw;
    setText('updated', new Date().toLocaleTimeString());
    setText('workers-active', count(stats.workers.active));
    setText('active-window', Math.round(stats.workers.activeWindowSeconds / 60) + ' min');
    setText('workers-total', count(stats.workers.total));
    setText('works-total', count(stats.works.total));
    setText('works-ondemand', count(stats.works.ondemand));
    setText('works-precache', count(stats.works.precache));
    setText('period-works', count(stats.period.works));
    setText('period-from', stats.period.from ? day(stats.period.from) : 'the first result');
    setText('period-weight', weight(stats.period.totalWeight));
    setText('rewards-distributed', amount(stats.rewards.distributed, unitRaw, unit));
    setText('rewards-fees', amount(stats.rewards.fees, unitRaw, unit));
    setText('rewards-plans', stats.rewards.plans + (stats.rewards.plans === 1 ? ' plan' : ' plans'));

    var body = field('workers');
    if (workers.workers.length === 0) empty(body, 'no worker yet', 9);
    else {
      var rows = document.createDocumentFragment();
      workers.workers.forEach(function (w) {
        var tr = el('tr');
        tr.setAttribute('data-account', w.account);
        tr.appendChild(el('td', w.account, 'mono'));
        tr.appendChild(el('td', count(w.period.works), 'n'));
        tr.appendChild(el('td', weight(w.period.weight), 'n'));
        var s = el('td', share(w.period.share), 'n');
        s.setAttribute('data-share', w.period.share);
        tr.appendChild(s);
        tr.appendChild(el('td', count(w.works.ondemand + w.works.precache), 'n'));
        tr.appendChild(el('td', count(w.invalid), 'n'));
        tr.appendChild(el('td', count(w.late), 'n'));
        tr.appendChild(el('td', amount(w.paid, unitRaw, unit), 'n'));
        tr.appendChild(el('td', day(w.lastSeen)));
        rows.appendChild(labelled(tr, body));
      });
      body.replaceChildren(rows);
    }
    var more = field('workers-more');
    more.hidden = workers.count <= workers.workers.length;
    more.textContent = 'top ' + workers.workers.length + ' of ' + workers.count + ' workers';

    var pbody = field('payouts');
    if (payouts.payouts.length === 0) empty(pbody, 'no payout yet', 6);
    else {
      var prow = document.createDocumentFragment();
      payouts.payouts.forEach(function (p) {
        var tr = el('tr');
        tr.appendChild(el('td', p.id, 'mono'));
        tr.appendChild(el('td', day(p.from) + ' .. ' + day(p.to)));
        tr.appendChild(el('td', amount(p.amount, unitRaw, unit), 'n'));
        tr.appendChild(el('td', amount(p.fee, unitRaw, unit), 'n'));
        tr.appendChild(el('td', p.paid + ' / ' + p.workers, 'n'));
        tr.appendChild(el('td', amount(p.sent, unitRaw, unit), 'n'));
        prow.appendChild(labelled(tr, pbody));
      });
      pbody.replaceChildren(prow);
    }

    // Public services: those that chose to be listed; private ones are never named here.
    var sbody = field('public-services');
    var listed = ((status && status.services && status.services.services) || []).filter(function (svc) { return svc.public; });
    if (listed.length === 0) empty(sbody, 'no public service', 4);
    else {
      var srows = document.createDocumentFragment();
      listed.forEach(function (svc) {
        var tr = el('tr');
        tr.appendChild(el('td', svc.display || svc.name));
        var site = el('td');
        if (svc.website && /^https?:\\/\\//.test(svc.website)) {
          var a = el('a', svc.website);
          a.href = svc.website;
          a.rel = 'noopener noreferrer nofollow';
          site.appendChild(a);
        } else site.textContent = '–';
        tr.appendChild(site);
        tr.appendChild(el('td', count(svc.requests), 'n'));
        var works = 0;
        Object.keys(svc.works || {}).forEach(function (k) { works += svc.works[k]; });
        tr.appendChild(el('td', count(works), 'n'));
        srows.appendChild(labelled(tr, sbody));
      });
      sbody.replaceChildren(srows);
    }
    field('banner').hidden = true;
  }

  function poll() {
    Promise.all([getJson('api/hub/stats'), getJson('api/hub/workers?limit=100'), getJson('api/hub/payouts?limit=50'), getJson('api/status').catch(function () { return null; })])
      .then(function (all) { render(all[0], all[1], all[2], all[3]); })
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
