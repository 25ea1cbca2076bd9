// The live page's stylesheet, as text: one inline <style>, allowed by its hash in the CSP. The
// script sets classes and SVG attributes only, never a style attribute (the CSP refuses those).
export const STATUS_PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #687085; --bg: #f3f4f7; --card: #fff;
  --line: #e3e6eb; --soft: #f7f8fa; --accent: #76b900; --rate: #5d9b00; --p50: #7fb2ea;
  --p95: #2f7ed8; --p99: #16407a; --value: #d9822b; --error: #c23030; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa3b5; --bg: #111318;
  --card: #1a1d24; --line: #2a2f3a; --soft: #20242c; --p50: #9cc6f5; --p99: #b7c9ff; } }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px; background: var(--card);
  border-bottom: 3px solid var(--accent); }
header h1 { margin: 0; font-size: 18px; white-space: nowrap; }
#status, #summary { color: var(--muted); font-size: 12px; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
#summary { margin-left: auto; }
#status.error { color: var(--error); }
main { padding: 14px 20px 24px; display: grid; gap: 14px; }
.empty { color: var(--muted); }
details.group { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  min-width: 0; }
details.group > summary { display: flex; align-items: baseline; gap: 10px; padding: 10px 14px;
  cursor: pointer; list-style: none; }
details.group > summary::-webkit-details-marker { display: none; }
details.group > summary::before { content: "▸"; color: var(--muted); width: 10px; }
details.group[open] > summary::before { content: "▾"; }
summary h2 { margin: 0; font-size: 15px; min-width: 0; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
summary .meta { flex: none; color: var(--muted); font-size: 12px; }
.ns { color: var(--muted); font-weight: normal; }
.kind { color: var(--muted); font-size: 10px; font-weight: 600; text-transform: uppercase;
  letter-spacing: .05em; border: 1px solid var(--line); border-radius: 4px; padding: 0 5px;
  margin-right: 6px; vertical-align: 2px; }
.scopes { padding: 0 14px 12px; display: grid; gap: 16px; min-width: 0; }
.scope { min-width: 0; }
.scope + .scope { border-top: 1px solid var(--line); padding-top: 12px; }
.scope h3 { display: flex; align-items: baseline; gap: 8px; margin: 0 0 6px; font-size: 14px; }
.scope h3 .kind { margin-right: 0; flex: none; }
.scope h3 .title { min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.scope h3 .chips { font-weight: normal; min-width: 0; }
.headline { display: grid; grid-template-columns: minmax(380px, 2fr) 5fr; gap: 18px;
  align-items: start; margin: 4px 0 10px; }
.stats { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 6px 12px; }
.stat { display: flex; flex-direction: column; min-width: 0; }
.stat .label { color: var(--muted); font-size: 10px; text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-variant-numeric: tabular-nums; font-size: 15px; font-weight: 600;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.charts { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 14px; }
figure.chart { margin: 0; min-width: 0; }
figure.chart figcaption { display: flex; gap: 8px; align-items: baseline; color: var(--muted);
  font-size: 11px; white-space: nowrap; overflow: hidden; }
figcaption .title { color: var(--fg); font-weight: 600; }
figcaption .last { margin-left: auto; font-variant-numeric: tabular-nums; }
.key::before { content: ""; display: inline-block; width: 8px; height: 3px; margin-right: 3px;
  vertical-align: middle; background: var(--value); }
.key.p50::before { background: var(--p50); }
.key.p95::before { background: var(--p95); }
.key.p99::before { background: var(--p99); }
figure.chart svg { display: block; width: 100%; height: auto; }
figure.chart text { font-size: 10px; fill: var(--muted); font-variant-numeric: tabular-nums; }
figure.chart text.unit { fill: var(--fg); font-weight: 600; }
figure.chart .grid { stroke: var(--line); }
figure.chart .axis { stroke: var(--muted); }
figure.chart .line { fill: none; stroke: var(--value); stroke-width: 1.6; stroke-linejoin: round;
  stroke-linecap: round; }
figure.chart .line.rate { stroke: var(--rate); }
figure.chart .line.p50 { stroke: var(--p50); }
figure.chart .line.p95 { stroke: var(--p95); }
figure.chart .line.p99 { stroke: var(--p99); }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--line); text-align: right;
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
th { color: var(--muted); font-weight: normal; font-size: 11px; }
th:first-child, td:first-child, th.labels, td.labels { text-align: left; }
col.c-name { width: 34%; }
col.c-labels { width: 22%; }
col.c-num { width: 8%; }
col.c-wide { width: 10%; }
tr.series td { border-bottom-color: transparent; }
tr.series .branch { color: var(--muted); padding-left: 4px; }
tr.family:hover, tr.series:hover { background: var(--soft); }
button.toggle { font: inherit; font-size: 10px; color: var(--muted); background: none; border: 0;
  width: 18px; padding: 0; cursor: pointer; }
button.toggle:hover, button.toggle:focus-visible { color: var(--fg); }
.name .prefix { color: var(--muted); }
.type { color: var(--muted); font-size: 10px; margin-left: 6px; }
.chips { display: flex; flex-wrap: wrap; gap: 3px 4px; align-items: baseline; overflow: hidden; }
.chip { display: inline-flex; min-width: 0; flex: 0 1 auto; max-width: 100%; background: var(--soft);
  border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; font-size: 12px; }
.chip .lk { flex: none; color: var(--muted); }
.chip .lk::after { content: "="; }
.lv.blank { color: var(--muted); }
.lv { min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.note { flex: none; color: var(--muted); font-size: 11px; }
td.since { color: var(--muted); font-style: italic; }
tr.detail td { white-space: normal; text-align: left; background: var(--soft); padding: 8px 12px 10px; }
tr.detail .help { margin: 0 0 6px; color: var(--muted); overflow-wrap: anywhere; }
`;
