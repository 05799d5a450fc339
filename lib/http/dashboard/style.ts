export const DASHBOARD_CSS = `:root {
  --bg: #f6f7f9; --fg: #1c2230; --muted: #5f6b7a; --card: #fff; --line: #dde2e8;
  --ok: #1f883d; --warn: #b7791f; --bad: #cf222e; --accent: #2f6fdf; --accent2: #d97706;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 15px;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1419; --fg: #e6edf3; --muted: #8b96a5; --card: #171d25; --line: #2a3340; --accent: #5b9cff; --accent2: #f0a030; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); line-height: 1.4; }
header { display: flex; flex-wrap: wrap; align-items: baseline; gap: .4rem 1rem; padding: .8rem 1rem; border-bottom: 1px solid var(--line); background: var(--card); }
h1 { font-size: 1.25rem; margin: 0; }
h2 { font-size: .8rem; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 0 0 .4rem; }
.meta { color: var(--muted); font-size: .9rem; }
.updated { margin-left: auto; }
main { padding: 1rem; display: grid; gap: 1rem; max-width: 1200px; margin: 0 auto; }
.cards { display: grid; gap: .8rem; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); }
.card, .panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; min-width: 0; }
.big { font-size: 1.6rem; font-weight: 600; margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.big.word { font-size: 1.25rem; line-height: 2.24rem; }
.sub { margin: .2rem 0 0; color: var(--muted); font-size: .85rem; }
.badge { padding: .1rem .55rem; border-radius: 999px; font-size: .8rem; font-weight: 600; color: #fff; background: var(--muted); }
.badge.ok, .state.closed, .state.ok { background: var(--ok); }
.badge.bad, .state.open, .state.down, .state.config_error { background: var(--bad); }
.badge.warn, .state.half_open, .state.degraded { background: var(--warn); }
.state { display: inline-block; padding: 0 .45rem; border-radius: 4px; color: #fff; font-size: .8rem; white-space: nowrap; }
.banner { margin: 0; padding: .6rem 1rem; background: var(--bad); color: #fff; }
.chart-box { display: grid; grid-template-columns: auto minmax(0, 1fr) auto; gap: .4rem; }
.y { display: flex; flex-direction: column; justify-content: space-between; height: 160px; font-size: .75rem; font-variant-numeric: tabular-nums; white-space: nowrap; }
.y.left { color: var(--accent); text-align: right; }
.y.right { color: var(--accent2); }
.chart { width: 100%; height: 160px; display: block; }
.chart .grid { stroke: var(--line); stroke-width: 1; vector-effect: non-scaling-stroke; }
.chart path { fill: none; stroke-width: 2; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.chart .requests { stroke: var(--accent); }
.chart .hits { stroke: var(--accent2); stroke-dasharray: 4 3; }
.axis { display: flex; justify-content: space-between; margin: .2rem 0 0; font-size: .75rem; color: var(--muted); }
.legend { margin: 0 0 .4rem; font-size: .85rem; color: var(--muted); }
.key { display: inline-block; width: 1rem; height: 3px; vertical-align: middle; margin: 0 .3rem 0 .8rem; }
.key:first-child { margin-left: 0; }
.key.requests { background: var(--accent); }
.key.hits { background: var(--accent2); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { color: var(--muted); font-weight: 600; font-size: .8rem; }
.n { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; }
.empty { color: var(--muted); }
.outcome-won { color: var(--ok); }
.outcome-failed, .outcome-timeout { color: var(--bad); }
.outcome-cancelled { color: var(--warn); }
.why { display: block; max-width: 28rem; overflow: hidden; text-overflow: ellipsis; color: var(--muted); font-size: .78rem; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: 4px; border: 1px solid var(--line); font-size: .78rem; color: var(--muted); }
.tag.precache { border-color: var(--accent); color: var(--accent); }
footer { padding: 1rem; text-align: center; color: var(--muted); font-size: .85rem; }
a { color: var(--accent); }
@media (max-width: 560px) {
  :root { font-size: 14px; }
  header { padding: .6rem .8rem; }
  main { padding: .6rem; gap: .6rem; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .5rem; }
  .big { font-size: 1.3rem; }
  .updated { margin-left: 0; }
  /* Tables reflow: each row a block of labelled cells, so every column (circuit, p99, outcome) is on screen. */
  table.reflow thead { display: none; }
  table.reflow tr { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); column-gap: .8rem; padding: .4rem 0; border-bottom: 1px solid var(--line); }
  table.reflow td { display: flex; justify-content: space-between; gap: .5rem; border: 0; padding: .1rem 0; white-space: normal; min-width: 0; text-align: right; }
  table.reflow td::before { content: attr(data-label); flex: none; color: var(--muted); font-size: .75rem; text-align: left; }
  table.reflow td.empty::before, table.reflow td.outcome::before { content: none; }
  table.reflow td.outcome, table.reflow td:first-child { grid-column: 1 / -1; }
  table.reflow td.outcome { display: block; text-align: left; }
  table.reflow td.mono { overflow-wrap: anywhere; }
  .why { max-width: none; white-space: normal; }
}
`;
