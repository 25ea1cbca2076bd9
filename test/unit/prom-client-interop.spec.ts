import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { lines, quietRuntime } from '../utils/runtime';

/** A prom-client registry with one metric of each type, default labels and a value needing escapes. */
function appRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ app: 'shop' });
  const orders = new Counter({
    name: 'app_orders_total',
    help: 'Orders "placed"',
    labelNames: ['status'],
    registers: [registry],
  });
  orders.inc({ status: 'ok' }, 3);
  orders.inc({ status: 'say "no"\nnow\\' });
  new Gauge({ name: 'process_queue_depth', help: 'Queue depth', registers: [registry] }).set(7);
  new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP duration',
    labelNames: ['route'],
    buckets: [0.1, 1],
    registers: [registry],
  }).observe({ route: '/a' }, 0.5);
  new Summary({
    name: 'payload_size_bytes',
    help: 'Payload size',
    percentiles: [0.5, 0.9],
    registers: [registry],
  }).observe(100);
  return registry;
}

/** A runtime with one counter on an endpoint. */
function runtime() {
  const { drt, logger } = quietRuntime();
  const ep = drt.namespace('ns').component('comp').endpoint('ep');
  ep.createCounter('requests_total', 'Requests').inc();
  return { drt, ep, logger };
}

const PROMETHEUS_TEXT = lines(
  '# HELP app_orders_total Orders "placed"',
  '# TYPE app_orders_total counter',
  'app_orders_total{app="shop",status="ok"} 3',
  'app_orders_total{app="shop",status="say \\"no\\"\\nnow\\\\"} 1',
  '# HELP dynamo_component_requests_total Requests',
  '# TYPE dynamo_component_requests_total counter',
  'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
  '# HELP http_request_duration_seconds HTTP duration',
  '# TYPE http_request_duration_seconds histogram',
  'http_request_duration_seconds_bucket{app="shop",route="/a",le="0.1"} 0',
  'http_request_duration_seconds_bucket{app="shop",route="/a",le="1"} 1',
  'http_request_duration_seconds_bucket{app="shop",route="/a",le="+Inf"} 1',
  'http_request_duration_seconds_sum{app="shop",route="/a"} 0.5',
  'http_request_duration_seconds_count{app="shop",route="/a"} 1',
  '# HELP payload_size_bytes Payload size',
  '# TYPE payload_size_bytes summary',
  'payload_size_bytes{app="shop",quantile="0.5"} 100',
  'payload_size_bytes{app="shop",quantile="0.9"} 100',
  'payload_size_bytes_sum{app="shop"} 100',
  'payload_size_bytes_count{app="shop"} 1',
  '# HELP process_queue_depth Queue depth',
  '# TYPE process_queue_depth gauge',
  'process_queue_depth{app="shop"} 7',
);

describe('drt.includeRegistry(prom-client Registry)', () => {
  it('merges counter, gauge, histogram and summary into the sorted text format', async () => {
    const { drt, logger } = runtime();
    drt.includeRegistry(appRegistry());
    expect(await drt.prometheusExpfmt()).toBe(PROMETHEUS_TEXT);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('merges them into OpenMetrics too', async () => {
    const { drt } = runtime();
    drt.includeRegistry(appRegistry());
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP app_orders Orders \\"placed\\"',
        '# TYPE app_orders counter',
        'app_orders_total{app="shop",status="ok"} 3',
        'app_orders_total{app="shop",status="say \\"no\\"\\nnow\\\\"} 1',
        '# HELP dynamo_component_requests Requests',
        '# TYPE dynamo_component_requests counter',
        'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
        '# HELP http_request_duration_seconds HTTP duration',
        '# TYPE http_request_duration_seconds histogram',
        'http_request_duration_seconds_bucket{app="shop",route="/a",le="0.1"} 0',
        'http_request_duration_seconds_bucket{app="shop",route="/a",le="1"} 1',
        'http_request_duration_seconds_bucket{app="shop",route="/a",le="+Inf"} 1',
        'http_request_duration_seconds_sum{app="shop",route="/a"} 0.5',
        'http_request_duration_seconds_count{app="shop",route="/a"} 1',
        '# HELP payload_size_bytes Payload size',
        '# TYPE payload_size_bytes summary',
        'payload_size_bytes{app="shop",quantile="0.5"} 100',
        'payload_size_bytes{app="shop",quantile="0.9"} 100',
        'payload_size_bytes_sum{app="shop"} 100',
        'payload_size_bytes_count{app="shop"} 1',
        '# HELP process_queue_depth Queue depth',
        '# TYPE process_queue_depth gauge',
        'process_queue_depth{app="shop"} 7',
        '# EOF',
      ),
    );
  });

  it('reads the registry anew on every scrape', async () => {
    const { drt } = quietRuntime();
    const registry = new Registry();
    const gauge = new Gauge({ name: 'live_value', help: 'Live', registers: [registry] });
    drt.includeRegistry(registry);
    gauge.set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines('# HELP live_value Live', '# TYPE live_value gauge', 'live_value 1'),
    );
    gauge.set(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines('# HELP live_value Live', '# TYPE live_value gauge', 'live_value 2'),
    );
  });

  it('including the same registry twice is a no-op', async () => {
    const { drt, logger } = runtime();
    const registry = appRegistry();
    drt.includeRegistry(registry);
    drt.includeRegistry(registry);
    drt.includeRegistry(registry, 'another name');
    expect(await drt.prometheusExpfmt()).toBe(PROMETHEUS_TEXT);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('is left out of a scoped scrape', async () => {
    const { drt } = runtime();
    drt.includeRegistry(appRegistry());
    expect(await drt.namespace('ns').prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
      ),
    );
  });
});

describe('name clashes with prom-client metrics', () => {
  function clashingRegistry(): Registry {
    const registry = new Registry();
    new Counter({
      name: 'dynamo_component_requests_total',
      help: 'Theirs',
      registers: [registry],
    }).inc(5);
    return registry;
  }

  it('at include time is a clear error and the registry is not included', async () => {
    const { drt } = runtime();
    expect(() => drt.includeRegistry(clashingRegistry())).toThrow(
      new Error(
        'Cannot include a prom-client registry: its metric \'dynamo_component_requests_total\' is already registered in endpoint "ns/comp/ep" of this runtime; one scrape cannot hold two families of the same name. Rename one of them',
      ),
    );
    expect(() => drt.includeRegistry(clashingRegistry(), 'the global registry')).toThrow(
      /^Cannot include the global registry: its metric 'dynamo_component_requests_total' /,
    );
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
      ),
    );
  });

  it('at metric creation time (any level) is a clear error', () => {
    const { drt } = quietRuntime();
    drt.includeRegistry(clashingRegistry(), 'the app registry');
    const message =
      "Metric 'dynamo_component_requests_total' is already registered in the app registry; one scrape cannot hold two families of the same name. Rename one of them";
    expect(() => drt.createCounter('requests_total', 'Requests')).toThrow(new Error(message));
    expect(() =>
      drt.namespace('ns').component('c').endpoint('e').createIntCounter('requests_total', 'R'),
    ).toThrow(new Error(message));
  });

  it('added to the registry later is left out of the scrape with exactly one warning', async () => {
    const { drt, logger } = runtime();
    const registry = new Registry();
    new Gauge({ name: 'process_queue_depth', help: 'Queue depth', registers: [registry] }).set(7);
    drt.includeRegistry(registry);
    new Counter({
      name: 'dynamo_component_requests_total',
      help: 'Theirs',
      registers: [registry],
    }).inc(5);
    const expected = lines(
      '# HELP dynamo_component_requests_total Requests',
      '# TYPE dynamo_component_requests_total counter',
      'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
      '# HELP process_queue_depth Queue depth',
      '# TYPE process_queue_depth gauge',
      'process_queue_depth 7',
    );
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt('openmetrics')).toContain('dynamo_component_requests_total{');
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(logger.warn.mock.calls).toEqual([
      [
        "Metric 'dynamo_component_requests_total' from a prom-client registry clashes with a metric of this runtime and was left out of the scrape. Rename one of them",
      ],
    ]);
  });

  it('between two registries at include time is a clear error', () => {
    const { drt } = quietRuntime();
    const first = new Registry();
    const second = new Registry();
    new Gauge({ name: 'shared_value', help: 'First', registers: [first] });
    new Gauge({ name: 'shared_value', help: 'Second', registers: [second] });
    drt.includeRegistry(first, 'the first registry');
    expect(() => drt.includeRegistry(second, 'the second registry')).toThrow(
      new Error(
        "Cannot include the second registry: its metric 'shared_value' is already registered in the first registry; one scrape cannot hold two families of the same name. Rename one of them",
      ),
    );
  });

  it('between two registries, added later, keeps the first one and warns once', async () => {
    const { drt, logger } = quietRuntime();
    const first = new Registry();
    const second = new Registry();
    new Gauge({ name: 'shared_value', help: 'First', registers: [first] }).set(1);
    new Gauge({ name: 'second_only', help: 'Only', registers: [second] }).set(3);
    drt.includeRegistry(first, 'the first registry');
    drt.includeRegistry(second, 'the second registry');
    new Gauge({ name: 'shared_value', help: 'Second', registers: [second] }).set(2);
    const expected = lines(
      '# HELP second_only Only',
      '# TYPE second_only gauge',
      'second_only 3',
      '# HELP shared_value First',
      '# TYPE shared_value gauge',
      'shared_value 1',
    );
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(logger.warn.mock.calls).toEqual([
      [
        "Metric 'shared_value' from the second registry is also in the first registry; the one from the first registry was kept and this one left out of the scrape. Rename one of them",
      ],
    ]);
  });

  it('a registry that fails to collect is left out with a warning; the scrape goes on', async () => {
    const { drt, logger } = runtime();
    const registry = new Registry();
    new Gauge({
      name: 'broken_value',
      help: 'Broken',
      registers: [registry],
      collect() {
        throw new Error('collect failed');
      },
    });
    drt.includeRegistry(registry, 'the broken registry');
    const expected = lines(
      '# HELP dynamo_component_requests_total Requests',
      '# TYPE dynamo_component_requests_total counter',
      'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
    );
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(logger.warn.mock.calls).toEqual([
      ['Reading the broken registry failed and it was left out of the scrape: collect failed'],
    ]);
  });
});
