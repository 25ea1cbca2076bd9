// The live page's stylesheet, as text: one inline <style>, allowed by its hash in the CSP.
export const STATUS_PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #6b7385; --bg: #f5f6f8; --card: #fff;
  --line: #e3e6eb; --accent: #76b900; --latency: #2f7ed8; --inflight: #d9822b; --error: #c23030; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ef; --muted: #9aa3b5; --bg: #111318;
  --card: #1a1d24; --line: #2a2f3a; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 14px 20px; background: var(--card);
  border-bottom: 3px solid var(--accent); }
header h1 { margin: 0; font-size: 18px; }
#status { color: var(--muted); font-size: 12px; }
#status.error { color: var(--error); }
main { padding: 16px 20px; display: grid; gap: 16px; }
#endpoints { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); }
.card, #models { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card h2 { margin: 0 0 8px; font-size: 15px; }
.card h2 .ns { color: var(--muted); font-weight: normal; }
.stats { display: grid; grid-template-columns: repeat(5, 1fr); gap: 6px 12px; }
.stat { display: flex; flex-direction: column; }
.stat .label { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .04em; }
.stat .value { font-variant-numeric: tabular-nums; font-size: 16px; font-weight: 600; }
.charts { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin-top: 10px; }
figure { margin: 0; }
figcaption { display: flex; justify-content: space-between; color: var(--muted); font-size: 11px; }
.spark { width: 100%; height: 36px; border-bottom: 1px solid var(--line); }
.spark polyline { fill: none; stroke-width: 1.5; stroke: var(--accent); }
.spark.latency polyline { stroke: var(--latency); }
.spark.inflight polyline { stroke: var(--inflight); }
h2.section { margin: 0 0 8px; font-size: 15px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
th { color: var(--muted); font-weight: normal; font-size: 12px; }
.empty { color: var(--muted); }
`;
