// The dashboard's hub page (/hub): the ledger's workers, their share of the
// current period, the reward history and the public services. Static, like
// the main page (no inline script or style; the same Content-Security-Policy).

export const HUB_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>powgate hub</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="dashboard.css">
<script src="hub.js" defer></script>
</head>
<body>
<header>
  <h1>powgate hub</h1>
  <span class="meta"><a href="dashboard">dashboard</a></span>
  <span class="meta updated">updated <span data-field="updated">never</span></span>
</header>
<p class="banner" data-field="banner" hidden></p>
<main>
  <section class="cards">
    <div class="card"><h2>Workers</h2><p class="big" data-field="workers-active">…</p><p class="sub">active in the last <span data-field="active-window">…</span> · <span data-field="workers-total">…</span> in all</p></div>
    <div class="card"><h2>Works</h2><p class="big" data-field="works-total">…</p><p class="sub"><span data-field="works-ondemand">…</span> on demand · <span data-field="works-precache">…</span> precache</p></div>
    <div class="card"><h2>Current period</h2><p class="big" data-field="period-works">…</p><p class="sub">works since <span data-field="period-from">…</span> · weight <span data-field="period-weight">…</span></p></div>
    <div class="card"><h2>Rewards distributed</h2><p class="big" data-field="rewards-distributed">…</p><p class="sub">fees <span data-field="rewards-fees">…</span> · <span data-field="rewards-plans">…</span></p></div>
  </section>
  <section class="panel">
    <h2>Workers: share of the current period</h2>
    <p class="legend">weight in receive-level works (a Nano send weighs 64); the share is of the period's total weight, which the next payout splits</p>
    <div class="scroll"><table class="reflow">
      <thead><tr><th>payout account</th><th class="n">period works</th><th class="n">period weight</th><th class="n">share</th><th class="n">all works</th><th class="n">invalid</th><th class="n">late</th><th class="n">paid</th><th>last seen</th></tr></thead>
      <tbody data-field="workers"><tr><td colspan="9" class="empty">no worker yet</td></tr></tbody>
    </table></div>
    <p class="legend" data-field="workers-more" hidden></p>
  </section>
  <section class="panel">
    <h2>Reward history</h2>
    <div class="scroll"><table class="reflow">
      <thead><tr><th>plan</th><th>period</th><th class="n">amount</th><th class="n">fee</th><th class="n">paid</th><th class="n">sent</th></tr></thead>
      <tbody data-field="payouts"><tr><td colspan="6" class="empty">no payout yet</td></tr></tbody>
    </table></div>
  </section>
  <!-- Public services: the services powgate serves that chose to be listed (lib/services; /api/status "services", public only). -->
  <section class="panel" data-field="public-services-panel">
    <h2>Public services</h2>
    <div class="scroll"><table class="reflow">
      <thead><tr><th>service</th><th>website</th><th class="n">requests</th><th class="n">works</th></tr></thead>
      <tbody data-field="public-services"><tr><td colspan="4" class="empty">no public service</td></tr></tbody>
    </table></div>
  </section>
  <noscript><p class="banner">This page needs JavaScript; the same data is at <a href="api/hub/stats">api/hub/stats</a>.</p></noscript>
</main>
<footer>JSON for scripts: <a href="api/hub/stats">api/hub/stats</a> · <a href="api/hub/workers">api/hub/workers</a> · <a href="api/hub/payouts">api/hub/payouts</a></footer>
</body>
</html>
`;
