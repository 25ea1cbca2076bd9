import { chromium, type Browser, type Page } from 'playwright-core';
import { AppModule } from '../../sample/02-nest/app.module';
import { STATUS_PAGE_CSP } from '../../lib/ui/status-page.html';
import { ADAPTERS } from '../utils/nest-app';
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

(chromiumPath ? describe : describe.skip)('the live page in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
  }, 30_000);
  afterAll(() => browser?.close());

  describe.each(ADAPTERS)('on %s', (adapter) => {
    let app: Awaited<ReturnType<typeof startWithOptions>>;
    let page: Page;
    const problems: string[] = [];

    beforeAll(async () => {
      app = await startWithOptions(AppModule, adapter, { ui: true });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('response', (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
    }, 30_000);
    afterAll(async () => {
      await page?.close();
      await app?.close();
    });

    const field = (endpoint: string, name: string) =>
      page.locator(`[data-endpoint="${endpoint}"] [data-field="${name}"]`);
    /** Polls a field until it reads `text` (the page redraws every 250 ms). */
    const waitForText = async (selector: string, text: string) => {
      const deadline = Date.now() + 10_000;
      let last: string | null = null;
      while ((last = await page.locator(selector).first().textContent()) !== text) {
        if (Date.now() > deadline)
          throw new Error(`${selector} still reads ${JSON.stringify(last)}, not ${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const endpointField = (endpoint: string, name: string) =>
      `[data-endpoint="${endpoint}"] [data-field="${name}"]`;
    const GENERATE = 'dynamo/backend/generate';
    const STREAM = 'dynamo/backend/stream';

    it("loads and shows the sample's endpoints, before any traffic", async () => {
      const response = await page.goto(`${app.url}/metrics/ui?interval=250`);
      expect(response?.status()).toBe(200);
      await page.waitForSelector(`[data-endpoint="${STREAM}"]`);
      expect(
        await page
          .locator('[data-endpoint]')
          .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-endpoint'))),
      ).toEqual([GENERATE, STREAM]);
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

      await waitForText(endpointField(GENERATE, 'requests'), '4');
      await waitForText(endpointField(GENERATE, 'errors'), '1');
      await waitForText(endpointField(STREAM, 'requests'), '2');
      await waitForText(endpointField(STREAM, 'errors'), '0');
      expect(Number(await field(GENERATE, 'rate').textContent())).toBeGreaterThan(0);
      for (const quantile of ['p50', 'p95', 'p99'])
        expect(await field(GENERATE, quantile).textContent()).toMatch(/^\d+(\.\d+)? m?s$/);
      expect(await field(GENERATE, 'bytes-in').textContent()).toMatch(/^\d+(\.\d+)? (B|KiB)\/s$/);
      expect(await field(STREAM, 'bytes-out').textContent()).toMatch(/^\d+(\.\d+)? (B|KiB)\/s$/);
      expect(await field(GENERATE, 'inflight').textContent()).toBe('0');
      // Each card draws its three charts.
      expect(await page.locator(`[data-endpoint="${GENERATE}"] svg polyline`).count()).toBe(3);

      await page.waitForSelector('#models:not([hidden]) [data-model="demo-llm"]');
      await waitForText('[data-model="demo-llm"] [data-field="requests"]', '1');
      expect(problems).toEqual([]);

      if (process.env.UI_SCREENSHOT && adapter === 'express') {
        // More traffic for the charts, then the picture in the README.
        const until = Date.now() + 8_000;
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
        await page.locator('body').screenshot({ path: process.env.UI_SCREENSHOT });
      }
    }, 30_000);
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
