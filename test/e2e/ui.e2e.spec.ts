import { Module } from '@nestjs/common';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { Counter as PromCounter, Registry } from 'prom-client';
import { DynamoMetricsModule } from '../../lib';
import { AppModule } from '../../sample/02-nest/app.module';
import { STATUS_PAGE_CSP } from '../../lib/ui/status-page.html';
import {
  CatalogModule,
  LONG_SOURCE,
  MARKUP_HELP,
  MARKUP_SHOPPER,
} from '../fixtures/nest/catalog.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { realTool } from '../utils/real-tools';
import { startWithOptions } from '../utils/sample-with-ui';

// The opt-in live page, on the sample app: served by the module next to the scrape, and in a
// real headless Chromium it shows the sample's endpoints and follows their traffic.

process.env.MOCK_LLM_FIRST_TOKEN_MS = '20';
process.env.MOCK_LLM_TOKEN_INTERVAL_MS = '5';

const chromiumPath = realTool('chromium', 'apt-get install chromium');

const post = (url: string, path: string, body: string) =>
  fetch(url + path, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then(
    (r) => r.text(),
  );

describe.each(ADAPTERS)('the live page on %s', (adapter) => {
  it('is off by default, and the sample turns it on', async () => {
    // The sample's options without `ui`.
    const off = await startWithOptions(AppModule, adapter, { ui: undefined });
    try {
      expect((await fetch(off.url + '/metrics/ui')).status).toBe(404);
    } finally {
      await off.close();
    }
    const sample = await startWithOptions(AppModule, adapter, {});
    try {
      const page = await fetch(sample.url + '/metrics/ui');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    } finally {
      await sample.close();
    }
  });

  it('ui: true serves one self-contained page at /metrics/ui that reads ../metrics', async () => {
    const app = await startWithOptions(AppModule, adapter, { ui: true });
    try {
      const response = await fetch(app.url + '/metrics/ui');
      const html = await response.text();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('content-security-policy')).toBe(STATUS_PAGE_CSP);
      expect(STATUS_PAGE_CSP).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src/);
      expect(html).toContain('<body data-scrape="../metrics">');
      // Nothing loaded from anywhere: no src/href but the empty data: icon, one inline script.
      expect(html.match(/\s(src|href)=[^>]*/g)).toEqual([' href="data:,"']);
      expect(html).not.toMatch(/@import|url\(/);
      expect(html.match(/<script>/g)).toHaveLength(1);
    } finally {
      await app.close();
    }
  });

  it('ui: a path serves it there', async () => {
    const app = await startWithOptions(AppModule, adapter, { ui: '/status/live' });
    try {
      expect((await fetch(app.url + '/metrics/ui')).status).toBe(404);
      const html = await (await fetch(app.url + '/status/live')).text();
      expect(html).toContain('<body data-scrape="../metrics">');
      const other = await startWithOptions(AppModule, adapter, { ui: 'dash', path: '/m' });
      try {
        expect(await (await fetch(other.url + '/dash')).text()).toContain('<body data-scrape="m">');
      } finally {
        await other.close();
      }
    } finally {
      await app.close();
    }
  });

  it('moves with the scrape under a global prefix, and reads it from there', async () => {
    const app = await startWithOptions(
      AppModule,
      adapter,
      { ui: true, useGlobalPrefix: true },
      (nest) => nest.setGlobalPrefix('api'),
    );
    try {
      expect((await fetch(app.url + '/metrics/ui')).status).toBe(404);
      const html = await (await fetch(app.url + '/api/metrics/ui')).text();
      expect(html).toContain('<body data-scrape="../../api/metrics">');
      const scrape = new URL('../../api/metrics', app.url + '/api/metrics/ui');
      expect(scrape.pathname).toBe('/api/metrics');
      const response = await fetch(scrape);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('dynamo_component_');
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      { ui: true, path: false as const },
      'The live page (ui: "/metrics/ui") reads the scrape route, but `path: false` mounts none: give the scrape a path, or turn ui off',
    ],
    [
      { ui: '/metrics' },
      'The live page and the scrape route cannot share the path "/metrics": give ui another path (ui: \'/metrics/ui\')',
    ],
    [
      { ui: '/' },
      'Invalid ui option "/": use true (the page at /metrics/ui), false, or a path such as \'/status\'',
    ],
  ])('refuses %j at start-up', async (options, message) => {
    await expect(startWithOptions(AppModule, adapter, options)).rejects.toThrow(message);
  });
});

/** What the init script below uses of the page's window (these tests compile without the DOM lib). */
interface WatchedWindow {
  document: {
    addEventListener(
      type: 'securitypolicyviolation',
      listener: (event: { violatedDirective: string; blockedURI: string }) => void,
    ): void;
  };
  reportViolation(text: string): void;
}

/** A page at 1280×800 that records errors, failed requests and CSP violations in `problems`. */
async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
  });
  // Init scripts come from the browser, not the page, so the page's CSP does not apply to them.
  await page.exposeFunction('reportViolation', (text: string) => problems.push(`CSP: ${text}`));
  await page.addInitScript(() => {
    const page = globalThis as unknown as WatchedWindow;
    page.document.addEventListener('securitypolicyviolation', (event) =>
      page.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`),
    );
  });
  return { page, problems };
}

/**
 * Waits until `locator` reads exactly `text` (the page redraws every 250 ms), then checks it; also
 * in a folded group.
 */
async function expectText(locator: Locator, text: string): Promise<void> {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
  await locator.filter({ hasText: exact }).waitFor({ state: 'attached', timeout: 10_000 });
  expect(await locator.textContent()).toBe(text);
}

/** The `data-…` attribute values of everything `locator` matches, in page order. */
const attributes = (locator: Locator, name: string) =>
  locator.evaluateAll((nodes, key) => nodes.map((node) => node.getAttribute(key)), name);

/** The tick labels and unit of a chart. */
const axes = async (chart: Locator) => ({
  x: await chart.locator('.tick-x').allTextContents(),
  y: await chart.locator('.tick-y').allTextContents(),
  unit: await chart.locator('.unit').textContent(),
});

const QUANTITY = /^\d+(\.\d+)? (µs|ms|s)$/;
const TIME_TICK = /^(−\d+ (s|min)|now)$/;

(chromiumPath ? describe : describe.skip)('the live page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  }, 30_000);
  afterAll(() => browser?.close());

  it('the CSP watch of these tests sees a violation', async () => {
    const app = await startWithOptions(AppModule, 'express', { ui: true });
    const { page, problems } = await watchedPage(browser);
    try {
      await page.goto(`${app.url}/metrics/ui?interval=250`);
      await page.locator('#status.ok').waitFor();
      await page.locator('body').evaluate((body) => body.setAttribute('style', 'color: red'));
      await page.waitForTimeout(100);
      expect(problems.join('\n')).toContain('CSP: style-src-attr blocked inline');
    } finally {
      await page.close();
      await app.close();
    }
  });

  describe.each(ADAPTERS)('the sample on %s', (adapter) => {
    let app: Awaited<ReturnType<typeof startWithOptions>>;
    let page: Page;
    let problems: string[];

    beforeAll(async () => {
      app = await startWithOptions(AppModule, adapter, { ui: true });
      ({ page, problems } = await watchedPage(browser));
    }, 30_000);
    afterAll(async () => {
      await page?.close();
      await app?.close();
    });

    const field = (endpoint: string, name: string) =>
      page.locator(`[data-endpoint="${endpoint}"] [data-field="${name}"]`);
    const GENERATE = 'dynamo/backend/generate';
    const STREAM = 'dynamo/backend/stream';

    it("loads and shows the sample's endpoints, before any traffic", async () => {
      const response = await page.goto(`${app.url}/metrics/ui?interval=250`);
      expect(response?.status()).toBe(200);
      await page.waitForSelector(`[data-endpoint="${STREAM}"]`);
      expect(await attributes(page.locator('[data-endpoint]'), 'data-endpoint')).toEqual([
        GENERATE,
        STREAM,
      ]);
      expect(await attributes(page.locator('[data-group]'), 'data-group')).toEqual([
        'component dynamo/backend',
        'frontend',
        'runtime',
        'other',
      ]);
      expect(await field(GENERATE, 'requests').textContent()).toBe('0');
      expect(await field(GENERATE, 'p50').textContent()).toBe('–');
      expect(await page.locator('#status').getAttribute('class')).toBe('ok');
    });

    it('its numbers move after traffic', async () => {
      for (let i = 0; i < 3; i++)
        await post(app.url, '/v1/completions', '{"prompt":"hello world","max_tokens":4}');
      await post(app.url, '/v1/completions', '{"max_tokens":4}'); // invalid_message
      await (await fetch(app.url + '/v1/stream?prompt=hi')).text();
      await (await fetch(app.url + '/v1/stream?prompt=hi')).text();
      await post(
        app.url,
        '/v1/chat/completions',
        '{"model":"demo-llm","messages":[{"role":"user","content":"hello"}],"max_tokens":3}',
      );

      await expectText(field(GENERATE, 'requests'), '4');
      await expectText(field(GENERATE, 'errors'), '1');
      await expectText(field(STREAM, 'requests'), '2');
      await expectText(field(STREAM, 'errors'), '0');
      expect(Number(await field(GENERATE, 'rate').textContent())).toBeGreaterThan(0);
      for (const quantile of ['p50', 'p95', 'p99'])
        expect(await field(GENERATE, quantile).textContent()).toMatch(QUANTITY);
      expect(await field(GENERATE, 'bytes-in').textContent()).toMatch(/^\d+(\.\d+)? (B|kB)\/s$/);
      expect(await field(STREAM, 'bytes-out').textContent()).toMatch(/^\d+(\.\d+)? (B|kB)\/s$/);
      expect(await field(GENERATE, 'inflight').textContent()).toBe('0');
      // The sample's own metrics: the @Timed() engine call and the custom token counter, on the
      // component (5 calls: 3 completions and 2 streams; 3 × 4 + 2 × 16 tokens).
      const component = page.locator(
        '[data-group="component dynamo/backend"] [data-scope="component"]',
      );
      const timed = component.locator(
        'tr[data-family="dynamo_component_generate_duration_seconds"]',
      );
      await expectText(timed.locator('[data-cell="value"]'), '5');
      expect(await timed.locator('[data-cell="p95"]').textContent()).toMatch(QUANTITY);
      const tokens = component.locator('tr[data-family="dynamo_component_output_tokens_total"]');
      await expectText(tokens.locator('[data-cell="value"]'), '44 tokens');
      // Each endpoint draws its three charts.
      expect(await page.locator(`[data-endpoint="${GENERATE}"] .charts figure`).count()).toBe(3);

      await page.waitForSelector('#models:not([hidden]) [data-model="demo-llm"]');
      await expectText(page.locator('[data-model="demo-llm"] [data-field="requests"]'), '1');
      expect(problems).toEqual([]);

      if (process.env.UI_SCREENSHOT && adapter === 'express') {
        const traffic = async (ms: number) => {
          const until = Date.now() + ms;
          while (Date.now() < until)
            await Promise.all([
              post(app.url, '/v1/completions', '{"prompt":"hello world","max_tokens":4}'),
              fetch(app.url + '/v1/stream?prompt=hi').then((r) => r.text()),
              post(
                app.url,
                '/v1/chat/completions',
                '{"model":"demo-llm","messages":[{"role":"user","content":"hello there"}],"max_tokens":6,"stream":true}',
              ),
            ]);
        };
        // Warmed up first (a cold start's slow first calls would flatten every chart), then
        // a fresh page over steady traffic: the picture in the docs, with the chart of the
        // @Timed() histogram open (what a custom metric looks like).
        await traffic(5_000);
        await page.reload();
        await traffic(22_000);
        await timed.locator('button.toggle').click();
        await page.waitForTimeout(500);
        await page.screenshot({ path: process.env.UI_SCREENSHOT });
      }
    }, 60_000);
  });

  describe.each(ADAPTERS)('an app with custom metrics on %s', (adapter) => {
    const legacy = new Registry();
    new PromCounter({ name: 'legacy_jobs_total', help: 'Jobs run', registers: [legacy] }).inc(2);

    @Module({
      imports: [
        DynamoMetricsModule.forRoot({ ui: true, includeRegistries: [legacy] }),
        CatalogModule,
      ],
    })
    class CatalogAppModule {}

    let app: RunningApp;
    let page: Page;
    let problems: string[];
    beforeAll(async () => {
      app = await startApp(CatalogAppModule, adapter);
      ({ page, problems } = await watchedPage(browser));
      await page.goto(`${app.url}/metrics/ui?interval=250`);
      await page.locator('#status.ok').waitFor();
      // Lookups of 0.05 s (bucket ≤ 0.1) from "db" and of 0.7 s (0.5 < le ≤ 1) from the long one.
      for (const [source, seconds] of [
        ['db', '0.05'],
        ['db', '0.05'],
        ['long', '0.7'],
        ['long', '0.7'],
      ])
        expect(
          (await fetch(`${app.url}/catalog/search?source=${source}&seconds=${seconds}`)).status,
        ).toBe(200);
      expect((await fetch(`${app.url}/catalog/cart?items=3`)).status).toBe(200);
    }, 30_000);
    afterAll(async () => {
      await page?.close();
      await app?.close();
    });

    const group = (name: string) => page.locator(`[data-group="${name}"]`);
    const catalog = () => group('component dynamo/catalog');
    const search = () => catalog().locator('[data-endpoint="dynamo/catalog/search"]');
    const row = (scope: Locator, family: string) =>
      scope.locator(`tr.family[data-family="${family}"]`);

    it('groups every family by component and endpoint, custom and @Timed ones included', async () => {
      await expectText(
        row(search(), 'dynamo_component_lookup_seconds').locator('[data-cell="value"]'),
        '4',
      );
      expect(await attributes(page.locator('[data-group]'), 'data-group')).toEqual([
        'component dynamo/catalog',
        'namespace dynamo',
        'runtime',
        'other',
      ]);
      expect(await attributes(catalog().locator('[data-scope]'), 'data-scope')).toEqual([
        'component',
        'endpoint',
        'endpoint',
      ]);
      expect(await attributes(catalog().locator('[data-endpoint]'), 'data-endpoint')).toEqual([
        'dynamo/catalog/cart',
        'dynamo/catalog/search',
      ]);
      const componentWide = catalog().locator('[data-scope="component"]');
      expect(await attributes(componentWide.locator('tr.family'), 'data-family')).toEqual([
        'dynamo_component_cart_items',
        'dynamo_component_rank_duration_seconds',
        'dynamo_component_searches_total',
      ]);
      // The endpoint's own first, then its work-handler families (also in its headline).
      expect(await attributes(search().locator('tr.family'), 'data-family')).toEqual([
        'dynamo_component_lookup_seconds',
        'dynamo_component_cancellation_total',
        'dynamo_component_errors_total',
        'dynamo_component_inflight_requests',
        'dynamo_component_request_bytes_total',
        'dynamo_component_request_duration_seconds',
        'dynamo_component_requests_total',
        'dynamo_component_response_bytes_total',
      ]);
      // Runtime-level, namespace-level and passed-through families have groups of their own.
      const uptime = row(group('runtime'), 'dynamo_component_uptime_seconds');
      expect(await uptime.locator('[data-cell="value"]').textContent()).toMatch(QUANTITY);
      await expectText(
        row(group('namespace dynamo'), 'dynamo_component_catalog_products').locator(
          '[data-cell="value"]',
        ),
        '42',
      );
      await expectText(
        row(group('other'), 'legacy_jobs_total').locator('[data-cell="value"]'),
        '2',
      );
      expect(problems).toEqual([]);
    }, 20_000);

    it('shows counters as totals and rates, gauges as values, histograms as count and quantiles', async () => {
      const cell = (locator: Locator, name: string) => locator.locator(`[data-cell="${name}"]`);
      const componentWide = catalog().locator('[data-scope="component"]');
      const searches = row(componentWide, 'dynamo_component_searches_total');
      await expectText(cell(searches, 'value'), '4');
      expect(await cell(searches, 'rate').textContent()).toMatch(/^\d+(\.\d+)?\/s$/);
      await expectText(cell(row(componentWide, 'dynamo_component_cart_items'), 'value'), '3');
      const rank = row(componentWide, 'dynamo_component_rank_duration_seconds');
      await expectText(cell(rank, 'value'), '4');
      for (const quantile of ['p50', 'p95', 'p99'])
        expect(await cell(rank, quantile).textContent()).toMatch(QUANTITY);

      // Interpolated in the buckets as histogram_quantile does: 2 in (0, 0.1], 2 in (0.5, 1].
      const lookups = row(search(), 'dynamo_component_lookup_seconds');
      await expectText(cell(lookups, 'p50'), '100 ms');
      await expectText(cell(lookups, 'p95'), '950 ms');
      await expectText(cell(lookups, 'p99'), '990 ms');
      const series = search().locator('tr.series[data-family="dynamo_component_lookup_seconds"]');
      expect(await series.count()).toBe(2);
      const db = series.filter({ has: page.locator('.lv[title="db"]') });
      await expectText(cell(db, 'value'), '2');
      await expectText(cell(db, 'p50'), '50 ms');
      await expectText(cell(db, 'p99'), '99 ms');
      const long = series.filter({ hasText: LONG_SOURCE });
      await expectText(cell(long, 'value'), '2');
      await expectText(cell(long, 'p50'), '750 ms');
      await expectText(cell(long, 'p95'), '975 ms');
      await expectText(cell(long, 'p99'), '995 ms');
      await expectText(search().locator('[data-field="requests"]'), '4');
      expect(problems).toEqual([]);
    }, 20_000);

    it('cuts a long label value with an ellipsis, the full value in its title; nothing wider than 1280 px', async () => {
      const value = search().locator('.lv').filter({ hasText: LONG_SOURCE });
      const shown = await value.evaluate((node) => ({
        scrollWidth: node.scrollWidth,
        clientWidth: node.clientWidth,
        textOverflow: node.ownerDocument.defaultView.getComputedStyle(node).textOverflow,
        title: node.getAttribute('title'),
      }));
      expect(shown.title).toBe(LONG_SOURCE);
      expect(shown.textOverflow).toBe('ellipsis');
      expect(shown.scrollWidth).toBeGreaterThan(shown.clientWidth);
      expect(shown.clientWidth).toBeGreaterThan(0);
      for (const right of await page
        .locator('table')
        .evaluateAll((tables) => tables.map((table) => table.getBoundingClientRect().right)))
        expect(right).toBeLessThanOrEqual(1280);
      expect(await page.locator('html').evaluate((html) => html.scrollWidth)).toBeLessThanOrEqual(
        1280,
      );
    }, 20_000);

    it('shows markup in a help text and a label value as text', async () => {
      const cart = row(
        catalog().locator('[data-scope="component"]'),
        'dynamo_component_cart_items',
      );
      expect(await cart.locator('.name').getAttribute('title')).toContain(MARKUP_HELP);
      expect(await cart.locator('.lv').textContent()).toBe(MARKUP_SHOPPER);
      await cart.locator('button.toggle').click();
      const detail = catalog().locator('tr.detail[data-family="dynamo_component_cart_items"]');
      expect(await detail.locator('.help').textContent()).toBe(MARKUP_HELP);
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('main img, main b').count()).toBe(0);
      const injected = await page.evaluate(
        () => (globalThis as { __injected?: string }).__injected,
      );
      expect(injected).toBeUndefined();
      expect(problems).toEqual([]);
    }, 20_000);

    it('draws charts with a time axis and a value axis, tick labels and units', async () => {
      const charts = search().locator('.charts figure');
      expect(await charts.count()).toBe(3);
      const [rate, latency, inflight] = [charts.nth(0), charts.nth(1), charts.nth(2)];
      for (const chart of [rate, latency, inflight]) {
        const { x, y } = await axes(chart);
        expect(x.length).toBeGreaterThanOrEqual(2);
        for (const tick of x) expect(tick).toMatch(TIME_TICK);
        expect(x[x.length - 1]).toBe('now');
        expect(y.length).toBeGreaterThanOrEqual(2);
        for (const tick of y) expect(tick).toMatch(/^\d+(\.\d+)?[kM]?$/);
      }
      expect((await axes(rate)).unit).toBe('req/s');
      expect((await axes(latency)).unit).toMatch(/^(µs|ms|s)$/);
      expect((await axes(inflight)).unit).toBe('req');

      // A custom histogram's chart: its quantiles in seconds; a custom counter's: its rate.
      const lookups = row(search(), 'dynamo_component_lookup_seconds');
      await lookups.locator('button.toggle').click();
      const lookupChart = search().locator(
        'tr.detail[data-family="dynamo_component_lookup_seconds"] figure',
      );
      expect((await axes(lookupChart)).unit).toMatch(/^(ms|s)$/);
      expect((await axes(lookupChart)).x).toContain('now');
      const componentWide = catalog().locator('[data-scope="component"]');
      await row(componentWide, 'dynamo_component_searches_total').locator('button.toggle').click();
      const searchesChart = componentWide.locator(
        'tr.detail[data-family="dynamo_component_searches_total"] figure',
      );
      expect((await axes(searchesChart)).unit).toBe('/s');
      expect((await axes(searchesChart)).y.length).toBeGreaterThanOrEqual(2);
      expect(problems).toEqual([]);
    }, 20_000);
  });

  it('keeps working when requests choose model names like __proto__ and constructor', async () => {
    // No declared models: the model label is what the request says (lower-cased).
    const app = await startWithOptions(AppModule, 'express', { ui: true, frontend: {} });
    const page = await browser.newPage();
    try {
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      for (const model of ['__proto__', 'constructor', 'demo-llm'])
        await post(
          app.url,
          '/v1/chat/completions',
          `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"max_tokens":2}`,
        );
      await post(app.url, '/v1/completions', '{"prompt":"hello world","max_tokens":4}');
      await page.goto(`${app.url}/metrics/ui?interval=250`);
      for (const model of ['__proto__', 'constructor', 'demo-llm'])
        await page.waitForSelector(`[data-model="${model}"] [data-field="requests"]:text-is("1")`);
      await post(app.url, '/v1/completions', '{"prompt":"hello again","max_tokens":4}');
      // A selector, not a string predicate: newer Chromium refuses to evaluate a string in the
      // page under its Content-Security-Policy (no 'unsafe-eval').
      await page
        .locator('[data-endpoint="dynamo/backend/generate"] [data-field="p50"]')
        .filter({ hasText: /^\d+(\.\d+)? m?s$/ })
        .waitFor();
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await app.close();
    }
  }, 30_000);
});
