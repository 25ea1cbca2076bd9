import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockLlmService } from '../../sample/02-nest/mock-llm.service';
import type { RunningApp } from '../utils/nest-app';
import { PrometheusProcess } from '../utils/prometheus-process';
import { realTool } from '../utils/real-tools';
import { startSampleWithSystemServer } from '../utils/sample-app';
import { staticScrapeConfig } from '../utils/shipped-scrape-configs';

// The shipped SLO rules in a real Prometheus scraping the sample every second: an error burst and
// then a latency spike of the mock LLM make the frontend's burn-rate alerts go pending and fire,
// and healthy traffic resolves them. The rules are scripts/slo-rules.mjs's variant with every
// window and `for` divided by 120 (1h → 30s, 30m → 15s, 5m → 3s, `for: 2m` → 1s): the same
// expressions, on a scale a test can wait for. A burst resolves once it has left the scaled 30m
// window (the 6x tier). One adapter: the rules read what both produce alike.

const prometheus = realTool('prometheus', 'apt-get install prometheus');

process.env.MOCK_LLM_FIRST_TOKEN_MS = '20';
process.env.MOCK_LLM_TOKEN_INTERVAL_MS = '5';

/** The mock's knobs, read at start-up from the environment, changed here while the app runs. */
type Pace = Pick<MockLlmService, 'failureRate' | 'firstTokenMs'>;
const HEALTHY: Pace = { failureRate: 0, firstTokenMs: 20 };

const ERRORS = 'DynamoFrontendErrorBudgetBurn';
const TTFT = 'DynamoFrontendTTFTBudgetBurn';

(prometheus ? describe : describe.skip)(
  'the SLO alerts in a real Prometheus scraping the sample',
  () => {
    let app: RunningApp;
    let server: PrometheusProcess;
    let rulesDir: string;
    let traffic: NodeJS.Timeout;
    const inflight = new Set<Promise<void>>();

    const mock = () => app.app.get(MockLlmService) as Pace;
    /** The state of `alert` for demo-llm: 'pending', 'firing' or 'inactive'. */
    const state = async (alert: string) =>
      (await server.alerts()).find(
        (a) => a.labels.alertname === alert && a.labels.model === 'demo-llm',
      )?.state ?? 'inactive';
    /** Whether `alert` was pending for demo-llm in the last minute (Prometheus' ALERTS series). */
    const wasPending = async (alert: string) =>
      (
        await server.query(
          `count_over_time(ALERTS{alertname="${alert}",alertstate="pending",model="demo-llm"}[1m])`,
        )
      ).rows.length === 1;
    const until = (alert: string, want: string) =>
      server.waitFor(async () => (await state(alert)) === want, `${alert} ${want}`, 30_000);

    beforeAll(async () => {
      rulesDir = mkdtempSync(join(tmpdir(), 'slo-rules-'));
      const scaled = spawnSync(
        process.execPath,
        ['scripts/slo-rules.mjs', '--scale', '120', '--out', rulesDir],
        { encoding: 'utf8' },
      );
      if (scaled.status !== 0) throw new Error(scaled.stderr);
      const sample = await startSampleWithSystemServer('express');
      app = sample.app;
      const chat = async () => {
        const response = await fetch(app.url + '/v1/chat/completions', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'demo-llm',
            messages: [{ role: 'user', content: 'hello alerts' }],
            max_tokens: 2,
            stream: true,
          }),
        });
        await response.arrayBuffer();
      };
      // A steady 10 requests/s whatever their pace: the share of bad ones in a window is then
      // the share of the window the burst has lasted, as with real traffic.
      traffic = setInterval(() => {
        const sent = chat().finally(() => inflight.delete(sent));
        inflight.add(sent);
      }, 100);
      const config = JSON.parse(
        staticScrapeConfig({
          'localhost:8000': sample.api,
          'localhost:8081': sample.system,
          'localhost:9401': '127.0.0.1:9', // no GPU exporter: its job is down, as without GPUs
        }),
      );
      config.rule_files = [join(rulesDir, '*.yml')];
      server = await PrometheusProcess.start(prometheus!, JSON.stringify(config));
      // The 30 s windows (the scaled 1h) need a few scrapes before a ratio has a value.
      await server.waitFor(
        async () =>
          (await server.query('model:dynamo_frontend_errors_per_request:ratio_rate5m')).rows
            .length === 1,
        'the error ratio of demo-llm',
      );
    }, 60_000);

    afterAll(async () => {
      clearInterval(traffic);
      await Promise.all(inflight);
      await app?.close();
      await server?.stop();
      if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
    });

    it('healthy traffic fires none of the frontend burn-rate alerts', async () => {
      expect(await state(ERRORS)).toBe('inactive');
      expect(await state(TTFT)).toBe('inactive');
    });

    it('an error burst makes the error-budget alert go pending, fire, and resolve once healthy', async () => {
      Object.assign(mock(), { failureRate: 1 });
      await until(ERRORS, 'firing');
      expect(await wasPending(ERRORS)).toBe(true);
      // Failures answer before a token: the first tokens that come stay fast.
      expect(await state(TTFT)).toBe('inactive');
      Object.assign(mock(), HEALTHY);
      await until(ERRORS, 'inactive');
    }, 60_000);

    it('a latency spike makes the TTFT alert go pending, fire, and resolve once healthy', async () => {
      Object.assign(mock(), { firstTokenMs: 600 }); // over the 0.47 s threshold
      await until(TTFT, 'firing');
      expect(await wasPending(TTFT)).toBe(true);
      const firing = (await server.alerts()).find((a) => a.labels.alertname === TTFT)!;
      expect(firing.labels).toEqual({
        alertname: TTFT,
        dynamo_namespace: 'dynamo',
        model: 'demo-llm',
        severity: 'critical',
        slo: 'frontend-ttft',
      });
      Object.assign(mock(), HEALTHY);
      await until(TTFT, 'inactive');
    }, 60_000);
  },
);
