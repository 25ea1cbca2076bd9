import { existsSync } from 'node:fs';
import type { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { AppModule } from '../../sample/02-nest/app.module';
import {
  familyOf,
  loadReferenceQueries,
  metricNames,
  queryKey,
  REFERENCE_DIR,
  scrapeTypes,
  type ReferenceQuery,
} from '../utils/dynamo-reference';
import { freePort } from '../utils/free-port';
import type { RunningApp } from '../utils/nest-app';
import { PrometheusProcess } from '../utils/prometheus-process';
import { notRunWithout, realTool } from '../utils/real-tools';
import { startSampleWithSystemServer } from '../utils/sample-app';
import {
  kustomizedManifests,
  podEnv,
  podMonitorScrapeConfig,
  staticScrapeConfig,
  type PodPlacement,
} from '../utils/shipped-scrape-configs';

// Dynamo's own clients of its metrics, unmodified, against the sample scraped by a real
// Prometheus through the shipped configuration: deploy/prometheus/prometheus.yml, and what
// Prometheus Operator makes of deploy/kubernetes' PodMonitors. Every query of Dynamo's dashboards,
// rule files and docs that reads only families the sample serves must return data, and Dynamo's
// SLA planner must read the traffic this test sent.

const prometheus = realTool('prometheus', 'apt-get install prometheus');

// The mock LLM's pace (read when the app starts).
const FIRST_TOKEN_MS = 100;
const TOKEN_INTERVAL_MS = 20;
process.env.MOCK_LLM_FIRST_TOKEN_MS = String(FIRST_TOKEN_MS);
process.env.MOCK_LLM_TOKEN_INTERVAL_MS = String(TOKEN_INTERVAL_MS);

const MODEL = 'demo-llm';
/** The planner's chat requests: this prompt (5 words, the mock's tokens) and this many tokens. */
const PROMPT = 'how fast is the planner';
const PROMPT_TOKENS = 5;
const MAX_TOKENS = 8;

/** `$__rate_interval` for a 1 s scrape interval (see dashboards.e2e.spec.ts). */
const RATE_INTERVAL = '5s';

/** Where the manifests are "applied" (kubectl apply -k into the default namespace). */
const PLACEMENT: Omit<PodPlacement, 'ports'> = {
  namespace: 'default',
  pod: 'dynamo-sample-6f7c9d8b5-x2k8p',
};

/** "Dynamo Dashboard": the same in dev/observability and in its Kubernetes ConfigMap. */
const DYNAMO_DASHBOARD = [
  'Active vs Queued Requests › A',
  'Cached Tokens › A',
  'Cached Tokens › B',
  'Cached Tokens › C',
  'Cached Tokens › D',
  'Cached Tokens › E',
  'Request Success Rate › A',
  'Total Requests › A',
  'Input Tokens › A',
  'Output Tokens › A',
  'Average TTFT › A',
  'Average ITL › A',
  'Average E2E Latency › A',
  'Frontend RPS › A',
  'E2E Request Latency (p50 / p90 / p99) › A',
  'E2E Request Latency (p50 / p90 / p99) › B',
  'E2E Request Latency (p50 / p90 / p99) › D',
  'E2E Request Latency (p50 / p90 / p99) › C',
  'E2E Request Latency (p50 / p90 / p99) › E',
  'Request Outcome Breakdown › A',
  'Request Outcome Breakdown › B',
  'Request Outcome Breakdown › C',
  'Request Outcome Breakdown › D',
  'Request Outcome Breakdown › E',
  'Request Outcome Breakdown › F',
  'Request Outcome Breakdown › G',
  'Active vs Queued Requests › B',
  'TTFT (p50 / p90 / p99) › A',
  'TTFT (p50 / p90 / p99) › B',
  'TTFT (p50 / p90 / p99) › D',
  'TTFT (p50 / p90 / p99) › C',
  'TTFT (p50 / p90 / p99) › E',
  'ITL (p50 / p90 / p99) › A',
  'ITL (p50 / p90 / p99) › B',
  'ITL (p50 / p90 / p99) › D',
  'ITL (p50 / p90 / p99) › C',
  'ITL (p50 / p90 / p99) › E',
  'ISL Distribution › A',
  'ISL Distribution › B',
  'ISL Distribution › C',
  'ISL Distribution › D',
  'ISL Distribution › E',
  'Output Size Distribution › A',
  'Output Size Distribution › B',
  'Output Size Distribution › C',
  'Output Size Distribution › D',
  'Output Size Distribution › E',
  'Worker Request Breakdown Per Worker › A',
  'Worker Request Breakdown Per Worker › B',
  'Worker Request Breakdown Per Worker › C',
  'Worker Request Duration Per Worker (p50 / p90 / p99) › A',
  'Worker Request Duration Per Worker (p50 / p90 / p99) › B',
  'Worker Request Duration Per Worker (p50 / p90 / p99) › D',
  'Worker Request Duration Per Worker (p50 / p90 / p99) › C',
  'Worker Request Duration Per Worker (p50 / p90 / p99) › E',
  'Component Throughput (bytes/sec) › A',
  'Component Throughput (bytes/sec) › B',
];

/** The frontend panels of the 2025 "Dynamo Dashboard" (JSON and ConfigMap). */
const LEGACY_FRONTEND_PANELS = [
  'Frontend Requests / Sec › A',
  'Frontend Avg Time to First Token › A',
  'Frontend Avg Inter-Token Latency › A',
  'Frontend Avg Request Duration › A',
  'Frontend Avg Input/Output Sequence Length › A',
  'Frontend Avg Input/Output Sequence Length › B',
];

/**
 * The reference queries that must stay in scope: each reads only families the sample serves.
 * More may join (new families, the sample's traffic); none may leave.
 */
const EXPECTED_IN_SCOPE: string[] = Object.entries({
  'dev-dynamo/dynamo.json': DYNAMO_DASHBOARD,
  'dev-sglang/sglang.json': [
    'Request Success Rate › A',
    'Total Requests › A',
    'Input Tokens › A',
    'Output Tokens › A',
    'Avg TTFT (frontend) › A',
    'Avg ITL (frontend) › A',
    'Avg E2E Latency › A',
    'Frontend RPS › A',
    'E2E Request Latency › A',
    'E2E Request Latency › B',
    'E2E Request Latency › C',
    'Request Outcome Breakdown › A',
    'Frontend TTFT (p50/p90/p99) › A',
    'Frontend TTFT (p50/p90/p99) › B',
    'Frontend TTFT (p50/p90/p99) › C',
    'Frontend ITL (p50/p90/p99) › A',
    'Frontend ITL (p50/p90/p99) › B',
    'Frontend ITL (p50/p90/p99) › C',
    'Input Sequence Length (p50/p90/p99) › A',
    'Input Sequence Length (p50/p90/p99) › B',
    'Input Sequence Length (p50/p90/p99) › C',
    'Output Sequence Length (p50/p90/p99) › A',
    'Output Sequence Length (p50/p90/p99) › B',
    'Output Sequence Length (p50/p90/p99) › C',
    'Per-Worker Inflight Requests (generate) › A',
    'Successful Request Rate Per Worker › A',
    'Active vs Queued Requests › A',
    'Active vs Queued Requests › B',
    'Cached Tokens (p50/p90/p99) › A',
    'Cached Tokens (p50/p90/p99) › B',
    'Cached Tokens (p50/p90/p99) › C',
  ],
  'k8s-dynamo/grafana-dynamo-dashboard-configmap.yaml:dynamo-dashboard.json': DYNAMO_DASHBOARD,
  'legacy-dynamo/grafana-dynamo-dashboard.json': [
    ...LEGACY_FRONTEND_PANELS,
    'dynamo.vllm bytes / sec › A',
    'dynamo.vllm bytes / sec › B',
    'dynamo.vllm requests / sec › A',
    'dynamo.vllm Avg Request Duration (seconds) › A',
    'dynamo.vllm Avg Errors / sec › A',
  ],
  'legacy-k8s-dynamo/grafana-dynamo-dashboard-configmap.yaml:dynamo-dashboard.json':
    LEGACY_FRONTEND_PANELS,
  'docs_queries.json#docs-autoscaling': [
    'Prometheus Adapter rule: seriesQuery (line 292) › L292',
    'Prometheus Adapter rule: metricsQuery dynamo_ttft_p95_seconds (lines 298-302) › L298',
    'KEDA trigger dynamo_ttft_p95 (lines 475-479, also 611-615) › L475',
    'Prometheus Adapter rule: seriesQuery pending requests (line 378) › L378',
    'KEDA trigger dynamo_frontend_pending_requests (line 530) › L530',
  ],
  'docs_queries.json#docs-k8s-observability': [
    'Query Dynamo metrics: total frontend requests (line 107) › L107',
    'Query Dynamo metrics: requests processed by backend workers (lines 113-116) › L113',
    'Query Dynamo metrics: requests waiting for a worker (line 110) › L110',
  ],
  'docs_queries.json#index-k8s-dynamo': [
    'Inflight vs Queued Requests › A',
    'Inflight vs Queued Requests › B',
  ],
}).flatMap(([file, queries]) => queries.map((q) => `${file} › ${q}`));

/**
 * The `error_type`s of MODEL's requests this test's traffic does not produce, and why: a query
 * that selects one has no series to show (in Dynamo either, for such traffic).
 */
const ERROR_TYPES_NOT_DRIVEN: Record<string, string> = {
  not_found:
    "answered only for models the sample does not serve, counted under unknown_model (Dynamo's rule)",
  overload: 'the sample is never at capacity here',
  internal: 'the sample does not fail here',
  not_implemented: 'the sample implements what it serves',
  response_timeout: 'the sample answers in time',
};

/**
 * In-scope queries that show nothing in Dynamo either for this traffic, and why. The test prints
 * them and does not require data.
 */
const NO_DATA_EXPECTED: Record<string, string> = {
  'docs_queries.json#index-k8s-dynamo › Inflight vs Queued Requests › B':
    'filters dynamo_frontend_stage_requests on `model`, a label the family does not have (in Dynamo either)',
};

/** Families of spec 11.1, arriving with the frontend's new families. */
const SPEC_11_1_FAMILIES = [
  'requests_started_total',
  'active_requests',
  'stage_requests',
  'model_cancellation_total',
  'model_rejection_total',
  'embedding_latency_seconds',
  'images_per_request',
  'videos_per_request',
  'audio_per_request',
  'model_context_length',
  'model_kv_cache_block_size',
  'model_total_kv_blocks',
  'model_max_num_seqs',
  'model_max_num_batched_tokens',
].map((name) => `dynamo_frontend_${name}`);

/** What a metric name missing from the sample belongs to, for the out-of-scope summary. */
function missingGroup(name: string): string {
  const groups: [RegExp, string][] = [
    [/^DCGM_/, 'GPU: NVIDIA dcgm-exporter'],
    [/^xpu_/, 'GPU: Intel XPU exporter'],
    [
      /^(kube_|container_|node_)/,
      'Kubernetes and nodes: kube-state-metrics, cAdvisor, node-exporter',
    ],
    [/^up$/, "Prometheus's own up of another exporter"],
    [/^dynamo_operator_/, "Dynamo's operator"],
    [/^dynamo_planner_/, "Dynamo's SLA planner"],
    [
      /^(dynamo_router_|dynamo_component_router_|dynamo_frontend_worker_|dynamo_component_kv_cache_events)/,
      "Dynamo's KV router",
    ],
    [/^dynamo_component_engine_failover/, "Dynamo's GMS shadow failover"],
    [/^(kvbm_|dynamo_kvbm)/, 'KVBM (KV block manager)'],
    [/^(sglang|vllm|trtllm)[:_]/, 'engines (SGLang, vLLM, TensorRT-LLM)'],
    [
      /^dynamo_component_(gpu_cache_usage_percent|total_blocks|kvstats)/,
      "engines' KV cache stats published by Dynamo's workers",
    ],
    [/^(dynamo_tokio_|dynamo_request_plane_)/, "Dynamo's Rust runtime internals"],
  ];
  if (SPEC_11_1_FAMILIES.some((f) => familyOf(name, new Map([[f, 'histogram']])) === f))
    return 'spec 11.1 frontend families (not yet served)';
  const group = groups.find(([re]) => re.test(name))?.[1];
  if (!group && name.startsWith('dynamo_frontend_'))
    return "frontend families the sample's traffic does not feed";
  return group ?? 'other';
}

/** Requests whose labels would need Kubernetes' target labels (namespace, pod, container). */
const needsKubernetes = (q: ReferenceQuery) =>
  /\b(namespace|pod|container)\s*(=|!=|=~|!~)/.test(q.expr) ||
  q.variables.some((v) => /,\s*(namespace|pod)\)\s*$/.test(v.query ?? ''));

// ---------------------------------------------------------------------------------------------
// Traffic: every route of the sample, with what the client measured.

interface ClientStats {
  /** Chat requests for MODEL that ended, however (all are counted by requests_total). */
  requests: number;
  streamed: { ttft: number; itl: number[]; duration: number }[];
  unary: { duration: number }[];
  cancelled: { duration: number }[];
  rejected: { duration: number }[];
}

type Round = (stats: ClientStats) => Promise<void>;

function chatBody(stream: boolean, model = MODEL): string {
  return JSON.stringify({
    model,
    messages: [{ role: 'user', content: PROMPT }],
    max_tokens: MAX_TOKENS,
    stream,
    ...(stream ? { stream_options: { include_usage: true } } : {}),
  });
}

/** The traffic for each route the sample declares (`METHOD /path`). */
function rounds(url: string): Record<string, Round[]> {
  const post = (path: string, body: string, signal?: AbortSignal) =>
    fetch(url + path, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
      signal,
    });
  const drain = async (response: Response) => void (await response.arrayBuffer());
  const streamed: Round = async (stats) => {
    const started = performance.now();
    const response = await post('/v1/chat/completions', chatBody(true));
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const tokenTimes: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const events = text.split('\n\n');
      text = events.pop()!;
      for (const event of events) {
        const data = event.replace(/^data: /, '');
        if (data === '[DONE]') continue;
        const content = JSON.parse(data).choices?.[0]?.delta?.content;
        if (content) tokenTimes.push(performance.now());
      }
    }
    const ended = performance.now();
    stats.requests++;
    stats.streamed.push({
      ttft: tokenTimes[0] - started,
      itl: tokenTimes.slice(1).map((t, i) => t - tokenTimes[i]),
      duration: ended - started,
    });
  };
  const unary: Round = async (stats) => {
    const started = performance.now();
    await drain(await post('/v1/chat/completions', chatBody(false)));
    stats.requests++;
    stats.unary.push({ duration: performance.now() - started });
  };
  // Gone before the first token: a cancellation that records no token, TTFT or length.
  const cancelled: Round = async (stats) => {
    const started = performance.now();
    const abort = new AbortController();
    setTimeout(() => abort.abort(), FIRST_TOKEN_MS / 3);
    try {
      await drain(await post('/v1/chat/completions', chatBody(true), abort.signal));
    } catch {
      // aborted
    }
    stats.requests++;
    stats.cancelled.push({ duration: performance.now() - started });
  };
  // A 400 for the model: error_type "validation", a duration and no tokens.
  const invalid: Round = async (stats) => {
    const started = performance.now();
    const body = JSON.parse(chatBody(false));
    await drain(await post('/v1/chat/completions', JSON.stringify({ ...body, max_tokens: 0 })));
    stats.requests++;
    stats.rejected.push({ duration: performance.now() - started });
  };
  return {
    'POST /v1/chat/completions': [
      streamed,
      unary,
      streamed,
      cancelled,
      invalid,
      async () => drain(await post('/v1/chat/completions', chatBody(false, 'no-such-model'))),
      async () => drain(await post('/v1/chat/completions', '{"model":"other","messages":[]}')),
    ],
    'POST /v1/completions': [
      async () => drain(await post('/v1/completions', '{"prompt":"hello world","max_tokens":4}')),
      async () => drain(await post('/v1/completions', '{"max_tokens":4}')),
      async () => drain(await post('/v1/completions', '{"prompt": bad')),
    ],
    'GET /v1/stream': [async () => drain(await fetch(url + '/v1/stream?prompt=hi'))],
    'GET /v1/models': [async () => drain(await fetch(url + '/v1/models'))],
    'POST /v1/embeddings': [
      async () => drain(await post('/v1/embeddings', '{"model":"demo-embed","input":"hi there"}')),
    ],
  };
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];

/** `METHOD /path` of every handler of the module's controllers. */
function declaredRoutes(module: Type<unknown>): string[] {
  const controllers: Type<unknown>[] = Reflect.getMetadata('controllers', module) ?? [];
  return controllers.flatMap((controller) => {
    const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    return Object.getOwnPropertyNames(controller.prototype).flatMap((name) => {
      const handler = controller.prototype[name];
      const path = Reflect.getMetadata(PATH_METADATA, handler);
      if (name === 'constructor' || path === undefined) return [];
      const method = METHODS[Reflect.getMetadata(METHOD_METADATA, handler) as number];
      return [`${method} ${`/${base}/${path}`.replace(/\/+/g, '/').replace(/\/$/, '')}`];
    });
  });
}

function startTraffic(
  url: string,
  routes: string[],
): { stats: ClientStats; stop(): Promise<void> } {
  const all = rounds(url);
  const missing = routes.filter((route) => !all[route]);
  if (missing.length) throw new Error(`No traffic for the sample's routes ${missing.join(', ')}`);
  const plan = routes.flatMap((route) => all[route]);
  const stats: ClientStats = {
    requests: 0,
    streamed: [],
    unary: [],
    cancelled: [],
    rejected: [],
  };
  let running = true;
  const loop = async () => {
    while (running) for (const round of plan) await round(stats);
  };
  const loops = [loop(), loop()];
  return {
    stats,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

// ---------------------------------------------------------------------------------------------

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');

interface Setup {
  name: 'static' | 'kubernetes';
  server: PrometheusProcess;
  /** The dynamo_namespace the frontend's series get (the planner's DYN_NAMESPACE). */
  dynamoNamespace: string;
}

(prometheus ? describe : describe.skip)(
  "Dynamo's dashboards, rules, docs queries and SLA planner against the sample scraped through the shipped configs",
  () => {
    let app: RunningApp;
    let setups: Setup[];
    let traffic: ReturnType<typeof startTraffic>;
    let trafficStart: number;
    let types: Map<string, string>;
    let served: Set<string>;
    // Dynamo's files stay outside the repository (they are NVIDIA's, not to be copied in):
    // without them, the tests of the reference queries are not declared, the run's summary says
    // so, and only the planner and the configs are checked.
    const reference = existsSync(REFERENCE_DIR) ? loadReferenceQueries() : undefined;
    if (!reference)
      notRunWithout(
        `Dynamo's reference files (dashboards, rules, docs queries) are not at ${REFERENCE_DIR}: ` +
          'their queries were not checked (set DYNAMO_REFERENCE_DIR to a copy of them)',
      );
    /** Declared only with the reference files. */
    const withReference = reference ? it : () => {};

    beforeAll(async () => {
      const manifests = kustomizedManifests();
      const deployment = manifests.find((m) => m.kind === 'Deployment');
      const env = podEnv(deployment, { ...PLACEMENT, ports: {} });
      const sample = await startSampleWithSystemServer('express');
      app = sample.app;
      const { api, system } = sample;
      const nobody = `127.0.0.1:${await freePort()}`; // dcgm-exporter: not run here
      const staticConfig = staticScrapeConfig({
        'localhost:8000': api,
        'localhost:8081': system,
        'localhost:9401': nobody,
      });
      const podConfig = podMonitorScrapeConfig(manifests, {
        ...PLACEMENT,
        ports: { http: api, system },
      });
      const [staticServer, podServer] = await Promise.all([
        PrometheusProcess.start(prometheus!, staticConfig),
        PrometheusProcess.start(prometheus!, podConfig),
      ]);
      setups = [
        { name: 'static', server: staticServer, dynamoNamespace: 'dynamo' },
        { name: 'kubernetes', server: podServer, dynamoNamespace: env.DYN_NAMESPACE },
      ];
      // Traffic starts once both scrape both ports, so the planner's windows see all of it.
      for (const { server } of setups)
        await server.waitFor(
          async () => (await server.query('up == 1')).rows.length >= 2,
          'both ports scraped',
        );
      trafficStart = Date.now();
      traffic = startTraffic(app.url, declaredRoutes(AppModule));
      await new Promise((r) => setTimeout(r, 12_000));
      const scrape = await (await fetch(`${app.url}/metrics`)).text();
      types = scrapeTypes(scrape);
      served = new Set(
        [...scrape.matchAll(/^([a-zA-Z_:][\w:]*)(?:\{| )/gm)]
          .map(([, name]) => familyOf(name, types))
          .filter((f): f is string => f !== undefined),
      );
    }, 60_000);

    afterAll(async () => {
      await traffic?.stop();
      await app?.close();
      await Promise.all((setups ?? []).map(({ server }) => server.stop()));
    });

    it('scrapes both ports of the sample, through both configs, all up', async () => {
      for (const { name, server } of setups) {
        const targets = (await server.targets())
          .filter((t) => !t.job.startsWith('dcgm'))
          .sort((a, b) => a.job.localeCompare(b.job));
        expect({ name, targets }).toEqual({
          name,
          targets: [
            { job: 'dynamo-frontend', health: 'up', lastError: '' },
            { job: 'dynamo-backend', health: 'up', lastError: '' },
          ].sort((a, b) => a.job.localeCompare(b.job)),
        });
      }
    });

    it("keeps the frontend's `endpoint` label and the app's own labels (honorLabels), and stores no series twice", async () => {
      for (const { name, server, dynamoNamespace } of setups) {
        const { rows } = await server.query(
          `count by (endpoint, dynamo_namespace, job) (dynamo_frontend_requests_total)`,
        );
        rows.sort((a, b) => a.labels.endpoint.localeCompare(b.labels.endpoint));
        const scrape = await (await fetch(`${app.url}/metrics`)).text();
        const endpoints = [
          ...new Set(
            [...scrape.matchAll(/^dynamo_frontend_requests_total\{[^}]*endpoint="([^"]*)"/gm)].map(
              ([, e]) => e,
            ),
          ),
        ].sort();
        expect(endpoints).toContain('chat_completions');
        expect({ name, rows: rows.map((r) => r.labels) }).toEqual({
          name,
          rows: endpoints.map((endpoint) => ({
            endpoint,
            dynamo_namespace: dynamoNamespace,
            job: 'dynamo-frontend',
          })),
        });
        // A target label that clashed with a scraped one would have renamed it exported_*.
        const labels = (await (await fetch(`${server.url}/api/v1/labels`)).json()) as {
          data: string[];
        };
        expect({ name, exported: labels.data.filter((l) => l.startsWith('exported_')) }).toEqual({
          name,
          exported: [],
        });
        // The jobs split the scrape by family: no family in both.
        const families = async (job: string) =>
          (
            await server.query(`group by (__name__) ({job="${job}",__name__!~"up|scrape_.+"})`)
          ).rows.map((r) => r.labels.__name__);
        const frontend = await families('dynamo-frontend');
        const backend = await families('dynamo-backend');
        expect(frontend.length * backend.length).toBeGreaterThan(0);
        const twice = frontend.filter((f) => backend.includes(f));
        expect({ name, twice }).toEqual({ name, twice: [] });
      }
    });

    /** The reference queries in scope: every metric they read is a family the sample serves. */
    const inScope = () =>
      reference!.filter((q) => metricNames(q.expr).every((n) => served.has(familyOf(n, types)!)));

    withReference(
      'keeps in scope every reference query the expected list names, and prints those out of scope by missing family',
      () => {
        const scope = new Set(inScope().map(queryKey));
        expect(EXPECTED_IN_SCOPE.filter((key) => !scope.has(key))).toEqual([]);
        const joined = [...scope].filter((key) => !EXPECTED_IN_SCOPE.includes(key));
        const byGroup = new Map<string, string[]>();
        for (const q of reference!) {
          const missing = metricNames(q.expr).filter((n) => !served.has(familyOf(n, types)!));
          if (missing.length === 0) continue;
          const groups = new Set(
            missing.map((n) =>
              types.has(n) || familyOf(n, types)
                ? "served by the package, not fed by the sample's traffic"
                : missingGroup(n),
            ),
          );
          for (const group of groups)
            byGroup.set(group, [
              ...(byGroup.get(group) ?? []),
              `${queryKey(q)}: ${missing.join(', ')}`,
            ]);
        }
        const perFile = new Map<string, number>();
        for (const q of inScope()) perFile.set(q.file, (perFile.get(q.file) ?? 0) + 1);
        console.log(
          [
            `Reference queries: ${reference!.length}, in scope: ${scope.size}`,
            ...[...perFile].map(([file, n]) => `  ${file}: ${n}`),
            ...(joined.length
              ? ['In scope, not yet in EXPECTED_IN_SCOPE:', ...joined.map((k) => `  ${k}`)]
              : []),
            'Out of scope, by what they read that the sample does not serve:',
            ...[...byGroup]
              .sort()
              .flatMap(([group, keys]) => [
                `  ${group} (${keys.length})`,
                ...keys.map((k) => `    ${k}`),
              ]),
          ].join('\n'),
        );
      },
    );

    /** Grafana's values for a query's variables: see the test below. */
    async function variableValues(
      q: ReferenceQuery,
      { server, dynamoNamespace }: Setup,
    ): Promise<Record<string, string>> {
      const preferred: Record<string, string> = {
        model: MODEL,
        namespace: PLACEMENT.namespace,
        dynamo_namespace: dynamoNamespace,
      };
      const values: Record<string, string> = {};
      for (const v of q.variables) {
        if (v.type === 'constant') values[v.name] = dynamoNamespace; // docs' @NAMESPACE@
        if (v.type !== 'query') continue;
        const match = /^label_values\((?:(.+),\s*)?([a-zA-Z_]\w*)\)$/.exec(v.query!.trim());
        if (!match) throw new Error(`${queryKey(q)}: variable ${v.name}: ${v.query}`);
        const offered = await server.labelValues(match[2], match[1]);
        values[v.name] = offered.includes(preferred[match[2]])
          ? preferred[match[2]]
          : v.includeAll
            ? (v.allValue ?? `(${offered.map(escapeRegex).join('|')})`)
            : (offered[0] ?? '');
      }
      return values;
    }

    function substitute(expr: string, values: Record<string, string>, range: string): string {
      return expr
        .replace(/\$__rate_interval|\$\{__rate_interval\}/g, RATE_INTERVAL)
        .replace(/\$__interval|\$\{__interval\}/g, '1s')
        .replace(/\$__range|\$\{__range\}/g, range)
        .replace(/\$\{(\w+)\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, a, b, c) => {
          const name = a ?? b ?? c;
          if (!(name in values)) throw new Error(`Unknown variable ${whole} in ${expr}`);
          return values[name];
        });
    }

    for (const config of reference ? (['static', 'kubernetes'] as const) : [])
      it(`every in-scope reference query returns data through the ${config} config`, async () => {
        const setup = setups.find((s) => s.name === config)!;
        const range = `${Math.ceil((Date.now() - trafficStart) / 1000) + 5}s`;
        const failures: string[] = [];
        const exempt: string[] = [];
        let checked = 0;
        for (const q of inScope()) {
          if (config === 'static' && needsKubernetes(q)) continue;
          const key = queryKey(q);
          const drivenErrors = [...q.expr.matchAll(/error_type\s*=\s*"([^"]*)"/g)].every(
            ([, t]) => !ERROR_TYPES_NOT_DRIVEN[t],
          );
          const promql = substitute(q.expr, await variableValues(q, setup), range);
          const result = await setup.server.query(promql);
          const empty = result.status === 'success' && result.rows.length === 0;
          // An excuse holds for an empty result only.
          if (empty && (NO_DATA_EXPECTED[key] || !drivenErrors)) {
            exempt.push(
              `${key}: ${NO_DATA_EXPECTED[key] ?? 'an error_type the traffic does not produce'}`,
            );
            continue;
          }
          checked++;
          if (result.status !== 'success' || result.rows.length === 0)
            failures.push(
              `${q.file}, panel "${q.panel}" (${q.refId}): ${result.error ?? 'no data'}\n    ${promql}`,
            );
        }
        console.log(
          [
            `${config} config: ${checked - failures.length} of ${checked} reference queries return data; without data by design:`,
            ...exempt.map((e) => `  ${e}`),
            ...Object.entries(ERROR_TYPES_NOT_DRIVEN).map(
              ([t, why]) => `  error_type="${t}": ${why}`,
            ),
          ].join('\n'),
        );
        expect(checked).toBeGreaterThan(0);
        expect(failures).toEqual([]);
      });

    let stopped: Promise<void> | undefined;
    /** Stops the traffic once, then waits for the last requests' scrapes. */
    const stopTraffic = () =>
      (stopped ??= traffic.stop().then(() => new Promise((r) => setTimeout(r, 2500))));

    it.each(['static', 'kubernetes'] as const)(
      "Dynamo's SLA planner reads the traffic this test sent, filtering on model and DYN_NAMESPACE, through the %s config",
      async (config) => {
        await stopTraffic();
        const { server, dynamoNamespace } = setups.find((s) => s.name === config)!;
        const { stats } = traffic;
        const window = `${Math.ceil((Date.now() - trafficStart) / 1000) + 2}s`;
        const filter = `{model="${MODEL}",dynamo_namespace="${dynamoNamespace}"}`;
        const read = async (promql: string) => {
          const { rows } = await server.query(promql);
          return rows.length === 1 ? Number(rows[0].value) : undefined;
        };
        // The planner's query (spec 11.3): increase(x_sum[w]) / increase(x_count[w]).
        const average = (x: string) =>
          read(
            `sum(increase(dynamo_frontend_${x}_sum${filter}[${window}])) / sum(increase(dynamo_frontend_${x}_count${filter}[${window}]))`,
          );
        const started = await read(
          `sum(increase(dynamo_frontend_requests_started_total${filter}[${window}]))`,
        );
        const requests =
          started ??
          (await read(`sum(increase(dynamo_frontend_requests_total${filter}[${window}]))`));

        // Which requests the frontend counts in TTFT: streamed ones, and unary ones if it
        // observes TTFT for them too (Dynamo does), read from the app's own exposition.
        const scrape = await (await fetch(`${app.url}/metrics`)).text();
        const ttftCount = Number(
          new RegExp(
            `^dynamo_frontend_time_to_first_token_seconds_count\\{model="${MODEL}"\\} (\\d+)`,
            'm',
          ).exec(scrape)?.[1],
        );
        const unaryTtft = ttftCount === stats.streamed.length + stats.unary.length;
        expect(unaryTtft || ttftCount === stats.streamed.length).toBe(true);
        const sent = {
          ttft: mean([
            ...stats.streamed.map((r) => r.ttft),
            ...(unaryTtft ? stats.unary.map((r) => r.duration) : []),
          ]),
          itl: mean(stats.streamed.flatMap((r) => r.itl)),
          duration: mean(
            [...stats.streamed, ...stats.unary, ...stats.cancelled, ...stats.rejected].map(
              (r) => r.duration,
            ),
          ),
        };
        const measured = {
          ttft: (await average('time_to_first_token_seconds'))! * 1000,
          itl: (await average('inter_token_latency_seconds'))! * 1000,
          duration: (await average('request_duration_seconds'))! * 1000,
          isl: (await average('input_sequence_tokens'))!,
          osl: (await average('output_sequence_tokens'))!,
          requests: requests!,
        };
        console.log(
          [
            `SLA planner through the ${config} config (dynamo_namespace="${dynamoNamespace}", window ${window}, ${started === undefined ? 'requests_total: no requests_started_total' : 'requests_started_total'}):`,
            `  TTFT ${measured.ttft.toFixed(1)} ms, client ${sent.ttft.toFixed(1)} ms (mock ${FIRST_TOKEN_MS} ms${unaryTtft ? '; unary answers count their full time' : ''})`,
            `  ITL ${measured.itl.toFixed(1)} ms, client ${sent.itl.toFixed(1)} ms (mock ${TOKEN_INTERVAL_MS} ms)`,
            `  request duration ${measured.duration.toFixed(1)} ms, client ${sent.duration.toFixed(1)} ms`,
            `  ISL ${measured.isl.toFixed(2)}, sent ${PROMPT_TOKENS}; OSL ${measured.osl.toFixed(2)}, sent ${MAX_TOKENS}`,
            `  requests ${measured.requests.toFixed(1)}, sent ${stats.requests} (${stats.streamed.length} streamed, ${stats.unary.length} unary, ${stats.cancelled.length} cancelled, ${stats.rejected.length} invalid)`,
          ].join('\n'),
        );
        // Exact: every request of the model had the same prompt and length.
        expect(measured.isl).toBeCloseTo(PROMPT_TOKENS, 1);
        expect(measured.osl).toBeCloseTo(MAX_TOKENS, 1);
        // The server's clocks start at the handler, the client's before sending: the server
        // reads no more than the client (plus the scheduler's noise) and no less than the pace.
        expect(measured.ttft).toBeGreaterThanOrEqual(FIRST_TOKEN_MS * 0.98);
        expect(measured.ttft).toBeLessThanOrEqual(sent.ttft * 1.1 + 5);
        expect(measured.itl).toBeGreaterThanOrEqual(TOKEN_INTERVAL_MS * 0.95);
        expect(Math.abs(measured.itl - sent.itl)).toBeLessThanOrEqual(sent.itl * 0.2 + 3);
        expect(Math.abs(measured.duration - sent.duration)).toBeLessThanOrEqual(
          sent.duration * 0.2 + 10,
        );
        // A rate from increase() over the traffic's window: the sent count, give or take.
        expect(Math.abs(measured.requests - stats.requests)).toBeLessThanOrEqual(
          stats.requests * 0.15,
        );
      },
    );
  },
);
