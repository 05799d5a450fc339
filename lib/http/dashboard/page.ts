// The dashboard is three static files held as strings, so `tsc` carries them
// into dist/ with the code and nothing is looked up on disk or on a CDN. The
// page has no inline script or style: the Content-Security-Policy forbids both.

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>powgate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard.css">
<script src="dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>powgate</h1>
  <span class="meta"><span data-field="version">…</span> · <span data-field="network">…</span> · up <span data-field="uptime">…</span></span>
  <span class="badge" data-field="ready">…</span>
  <span class="meta updated">updated <span data-field="updated">never</span></span>
</header>
<p class="banner" data-field="banner" hidden></p>
<main>
  <section class="cards">
    <div class="card"><h2>Requests/s</h2><p class="big" data-field="rps">…</p><p class="sub">last <span data-field="recent-seconds">…</span> s · <span data-field="totals-requests">…</span> in all</p></div>
    <div class="card"><h2>Cache hits</h2><p class="big" data-field="hit-ratio">…</p><p class="sub"><span data-field="totals-hits">…</span> hits · <span data-field="totals-misses">…</span> misses</p></div>
    <div class="card"><h2>In flight</h2><p class="big" data-field="in-flight">…</p><p class="sub"><span data-field="jobs-won">…</span> won · <span data-field="jobs-failed">…</span> failed jobs</p></div>
    <div class="card"><h2>Local hash rate</h2><p class="big" data-field="hash-rate">…</p><p class="sub" data-field="generator">…</p></div>
    <div class="card"><h2>Precache</h2><p class="big word" data-field="precache-state">…</p><p class="sub" data-field="precache-detail">…</p></div>
    <div class="card"><h2>Cache</h2><p class="big word" data-field="cache-state">…</p><p class="sub"><span data-field="cache-kind">…</span> · <span data-field="totals-cache-errors">…</span> errors</p></div>
    <div class="card" data-field="hub-card" hidden><h2>Hub workers</h2><p class="big" data-field="hub-workers">…</p><p class="sub" data-field="hub-detail">…</p></div>
  </section>
  <section class="panel">
    <h2>Last <span data-field="chart-minutes">5</span> minutes</h2>
    <p class="legend"><span class="key requests"></span>requests/s, left scale (peak <span data-field="chart-peak">0</span>) <span class="key hits"></span>cache-hit ratio, right scale · both averaged over <span data-field="chart-window">10</span> s; no line where nothing was looked up</p>
    <div class="chart-box">
      <div class="y left" aria-hidden="true"><span data-field="chart-max">…</span><span data-field="chart-mid">…</span><span>0</span></div>
      <svg class="chart" data-field="chart" viewBox="0 0 600 160" preserveAspectRatio="none" role="img" aria-label="requests per second and cache-hit ratio">
        <line class="grid" x1="0" y1="2" x2="600" y2="2"></line>
        <line class="grid" x1="0" y1="80" x2="600" y2="80"></line>
        <line class="grid" x1="0" y1="158" x2="600" y2="158"></line>
        <path class="requests" data-field="chart-requests" d=""></path>
        <path class="hits" data-field="chart-hits" d=""></path>
      </svg>
      <div class="y right" aria-hidden="true"><span>100 %</span><span>50 %</span><span>0 %</span></div>
    </div>
    <p class="axis"><span>−<span data-field="chart-span">5 min</span></span><span>now</span></p>
  </section>
  <section class="panel">
    <h2>Backends</h2>
    <div class="scroll"><table class="reflow">
      <thead><tr><th>backend</th><th class="n">tier</th><th>circuit</th><th>health</th><th class="n">won</th><th class="n">lost</th><th class="n">failed</th><th class="n">invalid</th><th class="n" title="never reached it: cannot serve the difficulty, or its circuit was open">skipped</th><th class="n">p50</th><th class="n">p99</th><th>endpoints</th></tr></thead>
      <tbody data-field="backends"></tbody>
    </table></div>
  </section>
  <section class="panel" data-field="hub-panel" hidden>
    <h2>Top workers · <a href="hub" data-field="hub-link">hub page</a></h2>
    <div class="scroll"><table>
      <thead><tr><th>payout account</th><th class="n">accepted</th><th class="n">invalid</th><th class="n">late</th><th class="n">mean</th><th>last seen</th></tr></thead>
      <tbody data-field="hub-workers-table"></tbody>
    </table></div>
  </section>
  <section class="panel" data-field="services-panel" hidden>
    <h2>Services</h2>
    <p class="legend" data-field="services-detail"></p>
    <div class="scroll"><table class="reflow">
      <thead><tr><th>service</th><th>listed</th><th class="n">requests</th><th class="n">refused</th><th class="n">works</th><th class="n">from cache</th><th class="n">precache hits</th><th class="n">today / quota</th><th class="n">credits</th></tr></thead>
      <tbody data-field="services-table"></tbody>
    </table></div>
  </section>
  <section class="panel">
    <h2>Recent jobs</h2>
    <div class="scroll"><table class="reflow">
      <thead><tr><th>ended</th><th>root</th><th>kind</th><th>source</th><th class="n">duration</th><th>outcome</th></tr></thead>
      <tbody data-field="jobs"><tr><td colspan="6" class="empty">no job yet</td></tr></tbody>
    </table></div>
  </section>
  <noscript><p class="banner">The dashboard needs JavaScript; the same data is at <a href="api/status">api/status</a>.</p></noscript>
</main>
<footer>JSON for scripts: <a href="api/status">api/status</a> · <a href="readyz">readyz</a></footer>
</body>
</html>
`;
