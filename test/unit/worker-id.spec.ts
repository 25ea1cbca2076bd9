import { Registry, Gauge as PromGauge } from 'prom-client';
import {
  defaultWorkerId,
  DistributedRuntime,
  FrontendMetrics,
  WorkHandlerMetrics,
  type DistributedRuntimeOptions,
} from '../../lib/core';
import { lines, testLogger } from '../utils/runtime';

/** A runtime whose uptime is 1.5 s at the scrape (fake timers), with a jest logger. */
function runtime(options: DistributedRuntimeOptions = {}): DistributedRuntime {
  const drt = new DistributedRuntime({ logger: testLogger(), ...options });
  jest.advanceTimersByTime(1500);
  return drt;
}

describe('worker_id by default (spec 11.2)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("is this process's id: 16 lower-case hex digits, the same at every call", () => {
    const id = defaultWorkerId();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(defaultWorkerId()).toBe(id);
  });

  it('is the same for every runtime of the process, and readable from each', () => {
    const first = new DistributedRuntime({ uptime: false });
    const second = new DistributedRuntime({ uptime: false, constLabels: { app: 'b' } });
    expect(first.workerId).toBe(defaultWorkerId());
    expect(second.workerId).toBe(defaultWorkerId());
  });

  it('is on every dynamo_component_* series of every level, uptime and work-handler metrics included', async () => {
    const id = defaultWorkerId();
    const drt = runtime();
    const ns = drt.namespace('ns');
    const comp = ns.component('comp');
    const ep = comp.endpoint('generate');
    drt.createCounter('runtime_total', 'R').inc();
    ns.createGauge('ns_value', 'N').set(2);
    comp.createHistogram('latency_seconds', 'L', { buckets: [1] }).observe(0.5);
    ep.createIntCounterVec('jobs_total', 'J', ['kind']).withLabelValues('a').inc();
    const work = new WorkHandlerMetrics(ep, { buckets: [1] });
    work.requests.inc();
    work.errors.withLabelValues('generate').inc();
    const labels = `dynamo_component="comp",dynamo_endpoint="generate",dynamo_namespace="ns",worker_id="${id}"`;
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_cancellation_total Total number of requests cancelled by work handler',
        '# TYPE dynamo_component_cancellation_total counter',
        `dynamo_component_cancellation_total{${labels}} 0`,
        '# HELP dynamo_component_errors_total Total number of errors in work handler processing',
        '# TYPE dynamo_component_errors_total counter',
        ...[
          'deserialization',
          'generate',
          'invalid_message',
          'publish_final',
          'publish_response',
          'response_stream',
        ].map(
          (type) =>
            `dynamo_component_errors_total{${labels.replace(',worker_id', `,error_type="${type}",worker_id`)}} ${type === 'generate' ? 1 : 0}`,
        ),
        '# HELP dynamo_component_inflight_requests Number of requests currently being processed by work handler',
        '# TYPE dynamo_component_inflight_requests gauge',
        `dynamo_component_inflight_requests{${labels}} 0`,
        '# HELP dynamo_component_jobs_total J',
        '# TYPE dynamo_component_jobs_total counter',
        `dynamo_component_jobs_total{${labels.replace(',worker_id', ',kind="a",worker_id')}} 1`,
        '# HELP dynamo_component_latency_seconds L',
        '# TYPE dynamo_component_latency_seconds histogram',
        `dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_namespace="ns",worker_id="${id}",le="1"} 1`,
        `dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_namespace="ns",worker_id="${id}",le="+Inf"} 1`,
        `dynamo_component_latency_seconds_sum{dynamo_component="comp",dynamo_namespace="ns",worker_id="${id}"} 0.5`,
        `dynamo_component_latency_seconds_count{dynamo_component="comp",dynamo_namespace="ns",worker_id="${id}"} 1`,
        '# HELP dynamo_component_ns_value N',
        '# TYPE dynamo_component_ns_value gauge',
        `dynamo_component_ns_value{dynamo_namespace="ns",worker_id="${id}"} 2`,
        '# HELP dynamo_component_request_bytes_total Total number of bytes received in requests by work handler',
        '# TYPE dynamo_component_request_bytes_total counter',
        `dynamo_component_request_bytes_total{${labels}} 0`,
        '# HELP dynamo_component_request_duration_seconds Time spent processing requests by work handler',
        '# TYPE dynamo_component_request_duration_seconds histogram',
        `dynamo_component_request_duration_seconds_bucket{${labels},le="1"} 0`,
        `dynamo_component_request_duration_seconds_bucket{${labels},le="+Inf"} 0`,
        `dynamo_component_request_duration_seconds_sum{${labels}} 0`,
        `dynamo_component_request_duration_seconds_count{${labels}} 0`,
        '# HELP dynamo_component_requests_total Total number of requests processed by work handler',
        '# TYPE dynamo_component_requests_total counter',
        `dynamo_component_requests_total{${labels}} 1`,
        '# HELP dynamo_component_response_bytes_total Total number of bytes sent in responses by work handler',
        '# TYPE dynamo_component_response_bytes_total counter',
        `dynamo_component_response_bytes_total{${labels}} 0`,
        '# HELP dynamo_component_runtime_total R',
        '# TYPE dynamo_component_runtime_total counter',
        `dynamo_component_runtime_total{worker_id="${id}"} 1`,
        '# HELP dynamo_component_uptime_seconds Total uptime of the DistributedRuntime in seconds',
        '# TYPE dynamo_component_uptime_seconds gauge',
        `dynamo_component_uptime_seconds{worker_id="${id}"} 1.5`,
      ),
    );
  });

  it('is reserved while on: a metric may not set it', () => {
    const ep = runtime().namespace('ns').component('comp').endpoint('ep');
    expect(() => ep.createCounter('c_total', 'C', { constLabels: { worker_id: '1' } })).toThrow(
      "Label 'worker_id' is automatically added by auto-label injection and cannot be manually set",
    );
    expect(() => ep.createCounterVec('c_total', 'C', ['worker_id'])).toThrow(
      "Variable label name 'worker_id' conflicts with auto-injected const label and cannot be used",
    );
  });

  it('is on the series-overflow counter, a per-process diagnostic of the runtime', async () => {
    const drt = runtime({ uptime: false, maxSeriesPerMetric: 1 });
    const jobs = drt.namespace('ns').createIntCounterVec('jobs_total', 'J', ['kind']);
    jobs.withLabelValues('a').inc();
    jobs.withLabelValues('b').inc();
    expect(await drt.prometheusExpfmt()).toContain(
      `dynamo_metrics_series_overflow_total{metric="dynamo_component_jobs_total",worker_id="${defaultWorkerId()}"} 1\n`,
    );
  });
});

describe('where worker_id is not', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it.each<[string, DistributedRuntimeOptions]>([
    ['by default', {}],
    ['with an explicit workerId', { workerId: 255 }],
  ])(
    'dynamo_frontend_* families carry none, %s (Dynamo labels its frontend by model only); const labels stay',
    async (_case, options) => {
      const drt = runtime({ uptime: false, constLabels: { service: 'gw' }, ...options });
      const frontend = new FrontendMetrics(
        drt,
        { buckets: { requestDuration: [1] } },
        { env: {}, logger: testLogger() },
      );
      const request = frontend.start('m', 'chat_completions', 'unary');
      request.finish();
      drt.prefixed('dynamo_frontend_').createGauge('extra', 'Extra').set(3);
      const text = await drt.prometheusExpfmt();
      expect(text).not.toContain('worker_id');
      expect(text).toContain(
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="m",request_type="unary",service="gw",status="success"} 1\n',
      );
      expect(text).toContain('dynamo_frontend_extra{service="gw"} 3\n');
    },
  );

  it('included prom-client registries keep their own labels', async () => {
    const registry = new Registry();
    new PromGauge({ name: 'jobs_waiting', help: 'Waiting', registers: [registry] }).set(4);
    const drt = runtime({ uptime: false });
    drt.includeRegistry(registry);
    expect(await drt.prometheusExpfmt()).toBe(
      lines('# HELP jobs_waiting Waiting', '# TYPE jobs_waiting gauge', 'jobs_waiting 4'),
    );
  });

  it('workerId: false leaves it out everywhere and frees the label name', async () => {
    const drt = runtime({ workerId: false });
    expect(drt.workerId).toBeUndefined();
    drt
      .namespace('ns')
      .component('comp')
      .createGaugeVec('owner', 'O', ['worker_id'])
      .withLabelValues('w1')
      .set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_owner O',
        '# TYPE dynamo_component_owner gauge',
        'dynamo_component_owner{dynamo_component="comp",dynamo_namespace="ns",worker_id="w1"} 1',
        '# HELP dynamo_component_uptime_seconds Total uptime of the DistributedRuntime in seconds',
        '# TYPE dynamo_component_uptime_seconds gauge',
        'dynamo_component_uptime_seconds 1.5',
      ),
    );
  });
});

describe('an explicit workerId', () => {
  it.each<[DistributedRuntimeOptions['workerId'], string]>([
    [255, 'ff'],
    [0, '0'],
    [0x7587890abcn, '7587890abc'],
    [2n ** 64n - 1n, 'ffffffffffffffff'],
    ['pod-7', 'pod-7'],
  ])('%p is written worker_id="%s", and read back from the runtime', async (workerId, written) => {
    const drt = new DistributedRuntime({ uptime: false, workerId });
    expect(drt.workerId).toBe(written);
    drt.createGauge('g', 'G').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        `dynamo_component_g{worker_id="${written}"} 1`,
      ),
    );
  });

  it.each<[unknown, string]>([
    [true, 'true'],
    ['', '""'],
    [-1, '-1'],
    [1.5, '1.5'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [2 ** 53, '9007199254740992'],
    [-1n, '-1n'],
    [null, 'null'],
    [{ id: 1 }, '{"id":1}'],
  ])('%p is refused, naming the value', (workerId, shown) => {
    expect(
      () =>
        new DistributedRuntime({
          uptime: false,
          workerId: workerId as DistributedRuntimeOptions['workerId'],
        }),
    ).toThrow(
      new Error(
        `Invalid workerId ${shown}: use a non-empty string, a non-negative integer or bigint ` +
          `(written in hex), false to leave worker_id out, or nothing for the process's id`,
      ),
    );
  });
});
