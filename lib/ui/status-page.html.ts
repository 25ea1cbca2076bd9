import { createHash } from 'node:crypto';
import { STATUS_PAGE_SCRIPT } from './status-page.script';

const STYLE = `
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

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The page's Content-Security-Policy: nothing but its own inline script and style (by hash) and
 * requests to its own origin; no CDN, no other origin, no framing.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(STATUS_PAGE_SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The whole page: HTML, style and script in one document, reading the scrape at `scrapeUrl`. */
export function renderStatusPage(scrapeUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Dynamo metrics · live</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body data-scrape="${escapeAttribute(scrapeUrl)}">
<header><h1>Dynamo metrics · live</h1><span id="status">Loading…</span></header>
<main>
<div id="endpoints"></div>
<section id="models" hidden>
<h2 class="section">Models (dynamo_frontend_*)</h2>
<table>
<thead><tr><th>model</th><th>req/s</th><th>requests</th><th>errors</th><th>inflight</th><th>queued</th><th>avg TTFT</th><th>tokens/s</th></tr></thead>
<tbody id="model-rows"></tbody>
</table>
</section>
</main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}
