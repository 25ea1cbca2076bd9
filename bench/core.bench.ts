// Core benchmark: nestjs-dynamo-metrics against prom-client, in the same process and run.
//
//   npm run bench:core            (builds, then runs with --expose-gc)
//   BENCH_ROUNDS=15 npm run bench:core   (rounds per comparison; default 11, at least 7)
//
// Prints markdown tables (paste into docs/performance.md), then one PASS/FAIL line per target. Always
// exits 0 unless the benchmark itself breaks. The allocation part runs in a child process started
// with a large fixed young generation, so the timing parts run under node's default GC settings.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import {
  constants as perfConstants,
  PerformanceObserver,
  type PerformanceEntry,
} from 'node:perf_hooks';
import * as prom from 'prom-client';
import {
  AUTO_LABELS,
  DEFAULT_BUCKETS,
  DistributedRuntime,
  type Counter,
  type CounterVec,
  type Gauge,
  type Histogram,
} from '../lib';
import {
  calibrate,
  dateLine,
  fixed,
  fullGc,
  int,
  interleave,
  machineLine,
  markdownTable,
  max,
  median,
  min,
  requireGc,
  times,
  type BenchCase,
  type CaseResult,
} from './bench-utils';

const ROUNDS = Math.max(7, Number(process.env.BENCH_ROUNDS ?? 11) || 11);
/** Target duration of one hot-path sample. */
const SAMPLE_MS = 80;
/** Fewest calls per hot-path sample for our (fast) calls. */
const MIN_OURS = 5_000_000;
/** Fewest calls per hot-path sample for prom-client. */
const MIN_PROM = 200_000;
/** Calls per allocation measurement (small enough that a 64 MiB young generation never fills up). */
const ALLOC_CALLS = 200_000;
const TARGET_HOT = 20;
const TARGET_RENDER = 8;

/** Observed values: 16 values covering all 12 buckets of DEFAULT_BUCKETS (0.005 … 10, +Inf). */
const VALUES: readonly number[] = [
  0.001, 0.004, 0.008, 0.02, 0.03, 0.07, 0.15, 0.3, 0.7, 1.5, 3, 7, 12, 0.006, 0.2, 0.045,
];

/** Everything the loops read back is folded in here and printed at the end (no dead code). */
let sink = 0;

// ---------------------------------------------------------------------------------------------
// Hot path: one loop function per case, so every call site stays monomorphic.

interface HotPath {
  ourCounter: Counter;
  ourCounterVec: CounterVec;
  ourGauge: Gauge;
  ourHistogram: Histogram;
  promCounterLabelled: prom.Counter<'a'>;
  promCounterBound: prom.Counter.Internal;
  promCounterBoundParent: prom.Counter<'a'>;
  promGaugeLabelled: prom.Gauge<'a'>;
  promGaugeBound: prom.Gauge.Internal<'a'>;
  promGaugeBoundParent: prom.Gauge<'a'>;
  promHistogramLabelled: prom.Histogram<'a'>;
  promHistogramBound: prom.Histogram.Internal<'a'>;
  promHistogramBoundParent: prom.Histogram<'a'>;
}

function makeHotPath(): HotPath {
  const runtime = new DistributedRuntime({ uptime: false });
  const endpoint = runtime.namespace('bench').component('hot').endpoint('path');
  const registry = new prom.Registry();
  const registers = [registry];
  const buckets = [...DEFAULT_BUCKETS];
  const promCounterBoundParent = new prom.Counter({
    name: 'c_bound_total',
    help: 'h',
    labelNames: ['a'],
    registers,
  });
  const promGaugeBoundParent = new prom.Gauge({
    name: 'g_bound',
    help: 'h',
    labelNames: ['a'],
    registers,
  });
  const promHistogramBoundParent = new prom.Histogram({
    name: 'h_bound',
    help: 'h',
    labelNames: ['a'],
    buckets,
    registers,
  });
  return {
    ourCounter: endpoint.createCounterVec('requests_total', 'Requests', ['a']).withLabelValues('x'),
    ourCounterVec: endpoint.createCounterVec('unbound_total', 'Requests', ['a']),
    ourGauge: endpoint.createGaugeVec('inflight', 'In flight', ['a']).withLabelValues('x'),
    ourHistogram: endpoint
      .createHistogramVec('latency_seconds', 'Latency', ['a'])
      .withLabelValues('x'),
    promCounterLabelled: new prom.Counter({
      name: 'c_labelled_total',
      help: 'h',
      labelNames: ['a'],
      registers,
    }),
    promCounterBound: promCounterBoundParent.labels('x'),
    promCounterBoundParent,
    promGaugeLabelled: new prom.Gauge({
      name: 'g_labelled',
      help: 'h',
      labelNames: ['a'],
      registers,
    }),
    promGaugeBound: promGaugeBoundParent.labels('x'),
    promGaugeBoundParent,
    promHistogramLabelled: new prom.Histogram({
      name: 'h_labelled',
      help: 'h',
      labelNames: ['a'],
      buckets,
      registers,
    }),
    promHistogramBound: promHistogramBoundParent.labels('x'),
    promHistogramBoundParent,
  };
}

/** Reads a prom-client metric's state synchronously (its `get()` is async): values, counts. */
function promRead(metric: object): number {
  const map = (metric as { hashMap: Record<string, { value?: number; count?: number }> }).hashMap;
  let total = 0;
  for (const key in map) total += (map[key].value ?? 0) + (map[key].count ?? 0);
  return total;
}

// Each loop returns the elapsed ns of n iterations and folds the metric's state into `sink`.

function ourCounterInc(c: Counter, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) c.inc();
  const ns = Number(process.hrtime.bigint() - t0);
  sink += c.get();
  return ns;
}

function ourCounterUnboundInc(vec: CounterVec, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) vec.withLabelValues('x').inc();
  const ns = Number(process.hrtime.bigint() - t0);
  sink += vec.withLabelValues('x').get();
  return ns;
}

function promCounterLabelledInc(c: prom.Counter<'a'>, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) c.inc({ a: 'x' });
  const ns = Number(process.hrtime.bigint() - t0);
  sink += promRead(c);
  return ns;
}

function promCounterBoundInc(c: prom.Counter.Internal, parent: object, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) c.inc();
  const ns = Number(process.hrtime.bigint() - t0);
  sink += promRead(parent);
  return ns;
}

function ourGaugeIncDec(g: Gauge, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    g.inc();
    g.dec();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  sink += g.get() + 1;
  return ns;
}

function promGaugeLabelledIncDec(g: prom.Gauge<'a'>, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    g.inc({ a: 'x' });
    g.dec({ a: 'x' });
  }
  const ns = Number(process.hrtime.bigint() - t0);
  sink += promRead(g) + 1;
  return ns;
}

function promGaugeBoundIncDec(g: prom.Gauge.Internal<'a'>, parent: object, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    g.inc();
    g.dec();
  }
  const ns = Number(process.hrtime.bigint() - t0);
  sink += promRead(parent) + 1;
  return ns;
}

function ourHistogramObserve(h: Histogram, n: number): number {
  const values = VALUES;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.observe(values[i & 15]);
  const ns = Number(process.hrtime.bigint() - t0);
  sink += h.get().count;
  return ns;
}

function promHistogramLabelledObserve(h: prom.Histogram<'a'>, n: number): number {
  const values = VALUES;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.observe({ a: 'x' }, values[i & 15]);
  const ns = Number(process.hrtime.bigint() - t0);
  sink += promRead(h);
  return ns;
}

function promHistogramBoundObserve(
  h: prom.Histogram.Internal<'a'>,
  parent: object,
  n: number,
): number {
  const values = VALUES;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) h.observe(values[i & 15]);
  const ns = Number(process.hrtime.bigint() - t0);
  sink += promRead(parent);
  return ns;
}

/** The allocation control: one small object per iteration, kept reachable so it is not optimized away. */
const escape: { o: unknown } = { o: null };
function allocatingControl(n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) escape.o = { a: i, b: i };
  const ns = Number(process.hrtime.bigint() - t0);
  sink += (escape.o as { a: number }).a;
  return ns;
}

interface HotCase {
  key: string;
  name: string;
  ours: boolean;
  /** Calls per loop iteration (2 for inc+dec). */
  calls: number;
  run: (n: number) => number;
}

function hotCases(h: HotPath): HotCase[] {
  return [
    {
      key: 'counter.ours',
      name: 'ours: counter child `inc()`',
      ours: true,
      calls: 1,
      run: (n) => ourCounterInc(h.ourCounter, n),
    },
    {
      key: 'counter.unbound',
      name: "ours: `vec.withLabelValues('x').inc()`",
      ours: true,
      calls: 1,
      run: (n) => ourCounterUnboundInc(h.ourCounterVec, n),
    },
    {
      key: 'counter.promLabelled',
      name: "prom-client: `counter.inc({a:'x'})`",
      ours: false,
      calls: 1,
      run: (n) => promCounterLabelledInc(h.promCounterLabelled, n),
    },
    {
      key: 'counter.promBound',
      name: "prom-client: `counter.labels('x').inc()` (kept)",
      ours: false,
      calls: 1,
      run: (n) => promCounterBoundInc(h.promCounterBound, h.promCounterBoundParent, n),
    },
    {
      key: 'gauge.ours',
      name: 'ours: gauge child `inc()` + `dec()`',
      ours: true,
      calls: 2,
      run: (n) => ourGaugeIncDec(h.ourGauge, n),
    },
    {
      key: 'gauge.promLabelled',
      name: "prom-client: `gauge.inc({a:'x'})` + `dec({a:'x'})`",
      ours: false,
      calls: 2,
      run: (n) => promGaugeLabelledIncDec(h.promGaugeLabelled, n),
    },
    {
      key: 'gauge.promBound',
      name: "prom-client: `gauge.labels('x')` `inc()` + `dec()` (kept)",
      ours: false,
      calls: 2,
      run: (n) => promGaugeBoundIncDec(h.promGaugeBound, h.promGaugeBoundParent, n),
    },
    {
      key: 'histogram.ours',
      name: 'ours: histogram child `observe(v)`',
      ours: true,
      calls: 1,
      run: (n) => ourHistogramObserve(h.ourHistogram, n),
    },
    {
      key: 'histogram.promLabelled',
      name: "prom-client: `histogram.observe({a:'x'}, v)`",
      ours: false,
      calls: 1,
      run: (n) => promHistogramLabelledObserve(h.promHistogramLabelled, n),
    },
    {
      key: 'histogram.promBound',
      name: "prom-client: `histogram.labels('x').observe(v)` (kept)",
      ours: false,
      calls: 1,
      run: (n) => promHistogramBoundObserve(h.promHistogramBound, h.promHistogramBoundParent, n),
    },
  ];
}

async function benchHotPath(): Promise<{
  results: Map<string, CaseResult>;
  table: string;
  detail: string;
}> {
  const cases = hotCases(makeHotPath());
  const iterations = cases.map((c) => calibrate(c.run, SAMPLE_MS, c.ours ? MIN_OURS : MIN_PROM));
  const benchCases: BenchCase[] = cases.map((c, i) => ({
    name: c.key,
    sample: () => c.run(iterations[i]) / (iterations[i] * c.calls),
  }));
  const results = new Map((await interleave(benchCases, ROUNDS, 2)).map((r) => [r.name, r]));
  const m = (key: string) => results.get(key)!.median;

  const rows = [
    ['counter `inc()`', 'counter'],
    ['gauge `inc()` / `dec()`', 'gauge'],
    ['histogram `observe(v)`', 'histogram'],
  ].map(([label, kind]) => [
    label,
    fixed(m(`${kind}.ours`), 2),
    fixed(m(`${kind}.promLabelled`), 1),
    times(m(`${kind}.promLabelled`) / m(`${kind}.ours`)),
    fixed(m(`${kind}.promBound`), 1),
    times(m(`${kind}.promBound`) / m(`${kind}.ours`)),
  ]);
  rows.push([
    "counter, unbound `vec.withLabelValues('x').inc()` (info)",
    fixed(m('counter.unbound'), 1),
    fixed(m('counter.promLabelled'), 1),
    times(m('counter.promLabelled') / m('counter.unbound')),
    fixed(m('counter.promBound'), 1),
    times(m('counter.promBound') / m('counter.unbound')),
  ]);
  const table = markdownTable(
    [
      'Hot path, ns per call (median)',
      'ours, bound child',
      'prom-client, labelled',
      'speed-up',
      'prom-client, bound child',
      'speed-up',
    ],
    rows,
    'lrrrrr',
  );
  const detail = markdownTable(
    ['Case', 'calls per sample', 'median ns', 'min ns', 'max ns'],
    cases.map((c, i) => {
      const r = results.get(c.key)!;
      return [
        c.name,
        int(iterations[i] * c.calls),
        fixed(r.median, 2),
        fixed(min(r.samples), 2),
        fixed(max(r.samples), 2),
      ];
    }),
    'lrrrr',
  );
  return { results, table, detail };
}

// ---------------------------------------------------------------------------------------------
// Allocation per call (runs in a child process with a 64 MiB young generation).

interface AllocRow {
  name: string;
  bytesPerCall: number;
  scavenges: number;
}

async function measureAllocations(): Promise<AllocRow[]> {
  requireGc();
  const gcEntries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const flush = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  };

  const h = makeHotPath();
  const byKey = new Map(hotCases(h).map((c) => [c.key, c]));
  const plan: { name: string; run: (n: number) => number; calls: number }[] = [
    { name: 'ours: counter child `inc()`', ...pick(byKey, 'counter.ours') },
    { name: 'ours: gauge child `inc()` / `dec()`', ...pick(byKey, 'gauge.ours') },
    { name: 'ours: histogram child `observe(v)`', ...pick(byKey, 'histogram.ours') },
    { name: "ours: `vec.withLabelValues('x').inc()` (info)", ...pick(byKey, 'counter.unbound') },
    { name: "prom-client: `counter.inc({a:'x'})` (info)", ...pick(byKey, 'counter.promLabelled') },
    {
      name: "prom-client: `histogram.observe({a:'x'}, v)` (info)",
      ...pick(byKey, 'histogram.promLabelled'),
    },
    { name: 'control: `escape.o = {a: i, b: i}`', run: allocatingControl, calls: 1 },
  ];
  const rows: AllocRow[] = [];
  for (const { name, run, calls } of plan) {
    for (let w = 0; w < 3; w++) run(ALLOC_CALLS); // optimized before measuring
    const perCall: number[] = [];
    let scavenges = 0;
    for (let r = 0; r < 5; r++) {
      fullGc();
      await flush();
      gcEntries.length = 0;
      const t0 = performance.now();
      const before = process.memoryUsage().heapUsed;
      run(ALLOC_CALLS);
      const after = process.memoryUsage().heapUsed;
      const t1 = performance.now();
      await flush();
      scavenges += gcEntries.filter(
        (e) =>
          e.startTime >= t0 &&
          e.startTime <= t1 &&
          (e as unknown as { detail: { kind: number } }).detail.kind ===
            perfConstants.NODE_PERFORMANCE_GC_MINOR,
      ).length;
      perCall.push((after - before) / (ALLOC_CALLS * calls));
    }
    rows.push({ name, bytesPerCall: median(perCall), scavenges });
  }
  observer.disconnect();
  return rows;
}

function pick(
  byKey: Map<string, HotCase>,
  key: string,
): { run: (n: number) => number; calls: number } {
  const c = byKey.get(key)!;
  return { run: c.run, calls: c.calls };
}

function runAllocationChild(): { rows: AllocRow[]; flags: string[] } {
  const flags = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'];
  const child = spawnSync(process.execPath, [...flags, __filename, '--alloc-child'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('ALLOC '));
  if (child.status !== 0 || !line) {
    throw new Error(
      `allocation child failed (status ${child.status}): ${child.stderr || child.stdout}`,
    );
  }
  return { rows: JSON.parse(line.slice(6)) as AllocRow[], flags };
}

// ---------------------------------------------------------------------------------------------
// Rendering 10,000 histogram series: 1 namespace × 100 components × 100 endpoints, one histogram
// per endpoint, so every series carries exactly the three auto labels.

const COMPONENTS = 100;
const ENDPOINTS = 100;
const SERIES = COMPONENTS * ENDPOINTS;
const OBSERVATIONS = 3;
const HIST_NAME = 'request_duration_seconds';
const FULL_HIST_NAME = 'dynamo_component_' + HIST_NAME;
const HIST_HELP = 'Time spent processing requests';
const NAMESPACE = 'dynamo';
const componentNames = Array.from({ length: COMPONENTS }, (_, c) => `worker_${c}`);
const endpointNames = Array.from({ length: ENDPOINTS }, (_, e) => `generate_${e}`);
const modelNames = Array.from({ length: SERIES }, (_, i) => `model_${i}`);

function observation(series: number, t: number): number {
  return VALUES[(series * OBSERVATIONS + t) & 15];
}

function buildOurs(observations = OBSERVATIONS): DistributedRuntime {
  const runtime = new DistributedRuntime({ uptime: false });
  const namespace = runtime.namespace(NAMESPACE);
  let s = 0;
  for (let c = 0; c < COMPONENTS; c++) {
    const component = namespace.component(componentNames[c]);
    for (let e = 0; e < ENDPOINTS; e++, s++) {
      const histogram = component.endpoint(endpointNames[e]).createHistogram(HIST_NAME, HIST_HELP);
      for (let t = 0; t < observations; t++) histogram.observe(observation(s, t));
    }
  }
  return runtime;
}

function buildProm(
  contentType: prom.RegistryContentType = prom.Registry.PROMETHEUS_CONTENT_TYPE,
  observations = OBSERVATIONS,
): prom.Registry<prom.RegistryContentType> {
  const registry = new prom.Registry<prom.RegistryContentType>();
  registry.setContentType(contentType);
  const histogram = new prom.Histogram({
    name: FULL_HIST_NAME,
    help: HIST_HELP,
    labelNames: AUTO_LABELS as string[],
    buckets: [...DEFAULT_BUCKETS],
    registers: [registry],
  });
  let s = 0;
  for (let c = 0; c < COMPONENTS; c++) {
    for (let e = 0; e < ENDPOINTS; e++, s++) {
      const labels = {
        dynamo_namespace: NAMESPACE,
        dynamo_component: componentNames[c],
        dynamo_endpoint: endpointNames[e],
      };
      for (let t = 0; t < observations; t++) histogram.observe(labels, observation(s, t));
    }
  }
  return registry;
}

function sampleLines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

/** `name{b="2",a="1"} v` -> `name{a="1",b="2"} v` (label values here hold no `,` or `"`). */
function canonical(line: string): string {
  const open = line.indexOf('{');
  if (open === -1) return line;
  const close = line.lastIndexOf('}');
  const labels = line
    .slice(open + 1, close)
    .split(',')
    .sort()
    .join(',');
  return line.slice(0, open) + '{' + labels + line.slice(close);
}

const RENDER_CASE_NAMES: Record<string, string> = {
  'ours.text': 'ours: `prometheusExpfmt()`',
  'prom.text': 'prom-client: `registry.metrics()`',
  'ours.om': "ours: `prometheusExpfmt('openmetrics')`",
  'ours.bytes': 'ours: `prometheusExpfmtBytes()` (a Buffer, what /metrics sends)',
  'prom.om': 'prom-client: `registry.metrics()`, OpenMetrics registry',
};

interface RenderResult {
  table: string;
  ratio: number;
  results: Map<string, CaseResult>;
  detail: string;
}

/** Memory the runtime keeps after a scrape (its reusable scrape buffer), per series. */
async function keptAfterScrape(): Promise<number> {
  const runtime = buildOurs();
  fullGc();
  const before = process.memoryUsage();
  await runtime.prometheusExpfmt();
  fullGc();
  const after = process.memoryUsage();
  const kept = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  retained = runtime;
  return kept / SERIES;
}

async function benchRender(): Promise<RenderResult> {
  const kept = await keptAfterScrape();
  retained = null;
  const ours = buildOurs();
  const promText = buildProm();
  const promOm = buildProm(prom.Registry.OPENMETRICS_CONTENT_TYPE);

  // Sanity: both hold the same samples.
  const ourText = await ours.prometheusExpfmt();
  const theirText = await promText.metrics();
  const ourLines = sampleLines(ourText);
  const theirLines = sampleLines(theirText);
  const same =
    ourLines.length === theirLines.length &&
    (() => {
      const a = ourLines.map(canonical).sort();
      const b = theirLines.map(canonical).sort();
      return a.every((line, i) => line === b[i]);
    })();
  const ourOmLines = sampleLines(await ours.prometheusExpfmt('openmetrics')).length;
  const theirOmLines = sampleLines(await promOm.metrics()).length;

  // Each sample renders the full scrape and takes its UTF-8 byte length (what a server does for
  // Content-Length); that also flattens a concatenated string, so neither side defers work.
  const bytes = new Map<string, number>();
  const timed = (key: string, render: () => Promise<string>): BenchCase => ({
    name: key,
    sample: async () => {
      const t0 = performance.now();
      const text = await render();
      const size = Buffer.byteLength(text, 'utf8');
      const ms = performance.now() - t0;
      bytes.set(key, size);
      sink += size;
      return ms;
    },
  });
  const results = new Map(
    (
      await interleave(
        [
          timed('ours.text', () => ours.prometheusExpfmt()),
          timed('prom.text', () => promText.metrics()),
          timed('ours.om', () => ours.prometheusExpfmt('openmetrics')),
          timed('prom.om', () => promOm.metrics()),
          {
            name: 'ours.bytes',
            sample: async () => {
              const t0 = performance.now();
              const buffer = await ours.prometheusExpfmtBytes();
              const ms = performance.now() - t0;
              sink += buffer.length;
              return ms;
            },
          },
        ],
        ROUNDS,
        2,
      )
    ).map((r) => [r.name, r]),
  );
  const m = (key: string) => results.get(key)!.median;
  const ratio = m('prom.text') / m('ours.text');
  const table = markdownTable(
    [
      `Render ${int(SERIES)} histogram series (11 buckets, 3 auto labels)`,
      'ours',
      'prom-client',
      'prom-client / ours',
    ],
    [
      [
        'Prometheus text 0.0.4, ms per scrape (median)',
        fixed(m('ours.text'), 1),
        fixed(m('prom.text'), 1),
        times(ratio),
      ],
      [
        'OpenMetrics 1.0, ms per scrape (median)',
        fixed(m('ours.om'), 1),
        fixed(m('prom.om'), 1),
        times(m('prom.om') / m('ours.om')),
      ],
      [
        'Text 0.0.4 as bytes, ms per scrape (median): ours `prometheusExpfmtBytes()`',
        fixed(m('ours.bytes'), 1),
        fixed(m('prom.text'), 1),
        times(m('prom.text') / m('ours.bytes')),
      ],
      ['Kept after a scrape (reusable scrape buffer), bytes per series', int(kept), '0', ''],
      [
        'Output size, bytes (text 0.0.4)',
        int(bytes.get('ours.text')!),
        int(bytes.get('prom.text')!),
        times(bytes.get('prom.text')! / bytes.get('ours.text')!),
      ],
      [
        'Output size, bytes (OpenMetrics)',
        int(bytes.get('ours.om')!),
        int(bytes.get('prom.om')!),
        times(bytes.get('prom.om')! / bytes.get('ours.om')!),
      ],
      [
        'Sample lines, text 0.0.4',
        int(ourLines.length),
        int(theirLines.length),
        same ? 'same samples ✓' : 'DIFFERENT ✗',
      ],
      [
        'Sample lines, OpenMetrics',
        int(ourOmLines),
        int(theirOmLines),
        ourOmLines === theirOmLines ? 'same count ✓' : 'different count',
      ],
    ],
    'lrrr',
  );
  const detail = markdownTable(
    ['Render case', 'median ms', 'min ms', 'max ms'],
    [...results.values()].map((r) => [
      RENDER_CASE_NAMES[r.name] ?? r.name,
      fixed(r.median, 1),
      fixed(min(r.samples), 1),
      fixed(max(r.samples), 1),
    ]),
    'lrrr',
  );
  if (!same) console.error('WARNING: the two renders do not hold the same samples');
  return { table, ratio, results, detail };
}

// ---------------------------------------------------------------------------------------------
// Memory per histogram series: growth (after full GC) of heapUsed plus ArrayBuffer backing stores
// (a histogram's Float64Array of counts lives outside the V8 heap), for 10,000 series, / 10,000.

let retained: unknown = null;

interface Footprint {
  heap: number;
  arrayBuffers: number;
}

function footprint(build: () => unknown): Footprint {
  fullGc();
  const before = process.memoryUsage();
  retained = build(); // module-level, so nothing else keeps a previous build alive
  fullGc();
  const after = process.memoryUsage();
  sink += retained === null ? 0 : 1;
  retained = null;
  return {
    heap: (after.heapUsed - before.heapUsed) / SERIES,
    arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / SERIES,
  };
}

function buildOurVec(): DistributedRuntime {
  const runtime = new DistributedRuntime({ uptime: false });
  const vec = runtime
    .namespace(NAMESPACE)
    .component('worker')
    .endpoint('generate')
    .createHistogramVec(HIST_NAME, HIST_HELP, ['model']);
  for (let i = 0; i < SERIES; i++) vec.withLabelValues(modelNames[i]).observe(observation(i, 0));
  return runtime;
}

function buildPromVec(): prom.Registry {
  const registry = new prom.Registry();
  const histogram = new prom.Histogram({
    name: FULL_HIST_NAME,
    help: HIST_HELP,
    labelNames: [...AUTO_LABELS, 'model'],
    buckets: [...DEFAULT_BUCKETS],
    registers: [registry],
  });
  for (let i = 0; i < SERIES; i++) {
    histogram.observe(
      {
        dynamo_namespace: NAMESPACE,
        dynamo_component: 'worker',
        dynamo_endpoint: 'generate',
        model: modelNames[i],
      },
      observation(i, 0),
    );
  }
  return registry;
}

function benchMemory(): string {
  const layouts = [
    {
      label: `${int(SERIES)} endpoints × 1 histogram (3 auto labels)`,
      ours: () => buildOurs(1),
      prom: () => buildProm(prom.Registry.PROMETHEUS_CONTENT_TYPE, 1),
    },
    {
      label: `1 histogram vec × ${int(SERIES)} label values (3 auto labels + \`model\`)`,
      ours: buildOurVec,
      prom: buildPromVec,
    },
  ];
  const rows: string[][] = [];
  for (const layout of layouts) {
    const ours: Footprint[] = [];
    const theirs: Footprint[] = [];
    for (let r = 0; r < 3; r++) {
      ours.push(footprint(layout.ours));
      theirs.push(footprint(layout.prom));
    }
    const total = (list: Footprint[]) => median(list.map((f) => f.heap + f.arrayBuffers));
    const buffers = (list: Footprint[]) => median(list.map((f) => f.arrayBuffers));
    rows.push([
      layout.label,
      `${int(total(ours))} (${int(buffers(ours))})`,
      `${int(total(theirs))} (${int(buffers(theirs))})`,
      times(total(theirs) / total(ours)),
    ]);
  }
  return markdownTable(
    [
      'Bytes per histogram series: heap + ArrayBuffers (of which ArrayBuffers), median of 3',
      'ours',
      'prom-client',
      'prom-client / ours',
    ],
    rows,
    'lrrr',
  );
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.argv.includes('--alloc-child')) {
    const rows = await measureAllocations();
    console.log('ALLOC ' + JSON.stringify(rows));
    console.log('sink ' + sink);
    return;
  }
  requireGc();
  const started = performance.now();
  console.log('# nestjs-dynamo-metrics core benchmark\n');
  console.log(`- Machine: ${machineLine()}`);
  console.log(`- Date: ${dateLine()}`);
  console.log(
    `- prom-client ${promVersion()}, same process; ${ROUNDS} rounds, cases interleaved (rotating order), medians shown\n`,
  );

  const hot = await benchHotPath();
  console.log('## Hot path\n');
  console.log(hot.table + '\n');
  console.log(
    'prom-client metrics have one label `a`; ours have `a` plus the 3 auto labels. Labelled prom-client calls pass an object literal per call, as user code does. Gauge rows are per call, averaged over an `inc()`+`dec()` pair.\n',
  );

  const alloc = runAllocationChild();
  console.log('## Allocation per call\n');
  console.log(
    markdownTable(
      ['Call', 'bytes per call (median of 5)', 'scavenges during measurement'],
      alloc.rows.map((r) => [r.name, fixed(r.bytesPerCall, 2), String(r.scavenges)]),
      'lrr',
    ) + '\n',
  );
  console.log(
    `heapUsed after − before ${int(ALLOC_CALLS)} optimized iterations, after a full GC, in a child process (\`node ${alloc.flags.join(' ')}\`) so no scavenge hides allocation; the control row shows the method sees a small object per call.\n`,
  );

  const render = await benchRender();
  console.log('## Scrape rendering\n');
  console.log(render.table + '\n');
  console.log(
    `1 namespace × ${COMPONENTS} components × ${ENDPOINTS} endpoints, one histogram each, ${OBSERVATIONS} observations per series; prom-client: one Histogram with labelNames [${AUTO_LABELS.join(', ')}], same buckets and observations, in its own Registry, \`await registry.metrics()\`. Each timing includes \`Buffer.byteLength\` of the result.\n`,
  );

  const memory = benchMemory();
  console.log('## Memory\n');
  console.log(memory + '\n');
  console.log(
    `Ours, row 1: ${int(SERIES)} Endpoint levels, each with its own histogram registration (the layout rendered above); row 2: one vec on one endpoint. prom-client: one Histogram, one label set per series. Every series observed once.\n`,
  );

  console.log('## Sample spread\n');
  console.log(hot.detail + '\n');
  console.log(render.detail + '\n');

  const m = (key: string) => hot.results.get(key)!.median;
  const checks: [string, number, number][] = [
    [
      'counter inc: ours bound vs prom-client labelled',
      m('counter.promLabelled') / m('counter.ours'),
      TARGET_HOT,
    ],
    [
      'gauge inc/dec: ours bound vs prom-client labelled',
      m('gauge.promLabelled') / m('gauge.ours'),
      TARGET_HOT,
    ],
    [
      'histogram observe: ours bound vs prom-client labelled',
      m('histogram.promLabelled') / m('histogram.ours'),
      TARGET_HOT,
    ],
    [`render ${int(SERIES)} histogram series (text 0.0.4)`, render.ratio, TARGET_RENDER],
  ];
  console.log('## Targets\n');
  for (const [name, ratio, target] of checks) {
    console.log(
      `${ratio >= target ? 'PASS' : 'FAIL'} ${name}: ${times(ratio)} (target ≥ ${target}×)`,
    );
  }
  console.log(`\nsink ${sink} · ${fixed((performance.now() - started) / 1000, 1)} s`);
}

function promVersion(): string {
  try {
    return (
      JSON.parse(readFileSync(require.resolve('prom-client/package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return '(version unknown)';
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
