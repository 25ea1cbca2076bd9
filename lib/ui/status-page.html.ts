import { createHash } from 'node:crypto';
import { STATUS_PAGE_SCRIPT } from './status-page.script';
import { STATUS_PAGE_STYLE } from './status-page.style';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The page's Content-Security-Policy: nothing but its own inline script and style (by hash) and
 * requests to its own origin; no CDN, no other origin, no framing.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(STATUS_PAGE_SCRIPT)}`,
  `style-src ${sha256(STATUS_PAGE_STYLE)}`,
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
<style>${STATUS_PAGE_STYLE}</style>
</head>
<body data-scrape="${escapeAttribute(scrapeUrl)}">
<header><h1>Dynamo metrics · live</h1><span id="status">Loading…</span><span id="summary"></span></header>
<main id="groups"></main>
<script>${STATUS_PAGE_SCRIPT}</script>
</body>
</html>
`;
}
