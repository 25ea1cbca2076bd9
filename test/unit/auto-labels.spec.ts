import { DistributedRuntime, type MetricsRegistry } from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';

function hierarchy(options: ConstructorParameters<typeof DistributedRuntime>[0] = {}) {
  const drt = new DistributedRuntime({
    uptime: false,
    workerId: false,
    logger: testLogger(),
    ...options,
  });
  const ns = drt.namespace('ns');
  const comp = ns.component('comp');
  const ep = comp.endpoint('ep');
  return { drt, ns, comp, ep };
}

describe('auto labels by level (spec 4)', () => {
  it('adds none at runtime level, then namespace, component and endpoint labels', async () => {
    const { drt, ns, comp, ep } = hierarchy();
    drt.createGauge('runtime_level', 'R').set(1);
    ns.createGauge('namespace_level', 'N').set(2);
    comp.createGauge('component_level', 'C').set(3);
    ep.createGauge('endpoint_level', 'E').set(4);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_component_level C',
        '# TYPE dynamo_component_component_level gauge',
        'dynamo_component_component_level{dynamo_component="comp",dynamo_namespace="ns"} 3',
        '# HELP dynamo_component_endpoint_level E',
        '# TYPE dynamo_component_endpoint_level gauge',
        'dynamo_component_endpoint_level{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 4',
        '# HELP dynamo_component_namespace_level N',
        '# TYPE dynamo_component_namespace_level gauge',
        'dynamo_component_namespace_level{dynamo_namespace="ns"} 2',
        '# HELP dynamo_component_runtime_level R',
        '# TYPE dynamo_component_runtime_level gauge',
        'dynamo_component_runtime_level 1',
      ),
    );
  });

  it('merges auto labels with const and variable labels, sorted by name', async () => {
    const { drt, ep } = hierarchy();
    ep.createCounterVec('requests_total', 'Requests', ['zone', 'code'], {
      constLabels: { model: 'llama', app: 'x' },
    })
      .withLabelValues('eu', '200')
      .inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total{app="x",code="200",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",model="llama",zone="eu"} 1',
      ),
    );
  });
});

describe("label errors (Dynamo's messages)", () => {
  const levels = ['drt', 'ns', 'comp', 'ep'] as const;

  it.each(levels)('a const label named like an auto label fails on %s', (level) => {
    const registry: MetricsRegistry = hierarchy()[level];
    for (const label of ['dynamo_namespace', 'dynamo_component', 'dynamo_endpoint']) {
      expect(() =>
        registry.createCounter('c_total', 'C', { constLabels: { [label]: 'x' } }),
      ).toThrow(
        new Error(
          `Label '${label}' is automatically added by auto-label injection and cannot be manually set`,
        ),
      );
    }
  });

  it('gives the exact const-label text', () => {
    const { ep } = hierarchy();
    expect(() => ep.createGauge('g', 'G', { constLabels: { dynamo_endpoint: 'other' } })).toThrow(
      new Error(
        "Label 'dynamo_endpoint' is automatically added by auto-label injection and cannot be manually set",
      ),
    );
  });

  it.each(levels)('a vec label named like an auto label fails on %s', (level) => {
    const registry: MetricsRegistry = hierarchy()[level];
    expect(() => registry.createCounterVec('c_total', 'C', ['code', 'dynamo_component'])).toThrow(
      new Error(
        "Variable label name 'dynamo_component' conflicts with auto-injected const label and cannot be used",
      ),
    );
    expect(() => registry.createHistogramVec('h', 'H', ['dynamo_namespace'])).toThrow(
      new Error(
        "Variable label name 'dynamo_namespace' conflicts with auto-injected const label and cannot be used",
      ),
    );
  });

  it('rejects duplicate const label keys given as pairs', () => {
    const { comp } = hierarchy();
    expect(() =>
      comp.createCounter('c_total', 'C', {
        constLabels: [
          ['a', '1'],
          ['a', '2'],
        ],
      }),
    ).toThrow(new Error("Duplicate label key 'a' found in labels"));
  });

  it('rejects a vec label equal to a const label', () => {
    const { comp } = hierarchy();
    expect(() =>
      comp.createGaugeVec('g', 'G', ['model'], { constLabels: { model: 'llama' } }),
    ).toThrow(new Error("Duplicate label key 'model' found in labels"));
  });

  it('rejects duplicate vec labels', () => {
    const { ns } = hierarchy();
    expect(() => ns.createIntCounterVec('c_total', 'C', ['code', 'method', 'code'])).toThrow(
      new Error("Duplicate label key 'code' found in labels"),
    );
  });

  it('accepts const labels given as pairs, sorted into place', async () => {
    const { drt } = hierarchy();
    drt
      .createGauge('g', 'G', {
        constLabels: [
          ['zone', 'eu'],
          ['app', 'a'],
        ],
      })
      .set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{app="a",zone="eu"} 1',
      ),
    );
  });

  it('rejects a user label name that is not a valid Prometheus label name', () => {
    const { ep } = hierarchy();
    expect(() => ep.createCounterVec('c_total', 'C', ['bad-label'])).toThrow(
      new Error(
        `Invalid label name "bad-label": label names must match [a-zA-Z_][a-zA-Z0-9_]* and must not start with '__'`,
      ),
    );
    expect(() => ep.createCounter('c_total', 'C', { constLabels: { __reserved: 'x' } })).toThrow(
      /^Invalid label name "__reserved"/,
    );
    expect(() => ep.createGaugeVec('g', 'G', ['1st'])).toThrow(/^Invalid label name "1st"/);
  });

  it('rejects a const label value that is not a string', () => {
    const { ep } = hierarchy();
    expect(() =>
      ep.createCounter('c_total', 'C', { constLabels: { model: 7 as unknown as string } }),
    ).toThrow(
      new Error(
        "Label 'model' got 7; label values must be strings (numbers and booleans are converted)",
      ),
    );
  });
});

describe('worker_id (opt-in)', () => {
  it('is absent by default and a free label name then', async () => {
    const { drt } = quietRuntime();
    drt.createGaugeVec('g', 'G', ['worker_id']).withLabelValues('mine').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{worker_id="mine"} 1',
      ),
    );
  });

  it('adds worker_id="ff" to every series for workerId 255', async () => {
    const { drt, ns, comp, ep } = hierarchy({ workerId: 255 });
    drt.createCounter('runtime_total', 'R').inc();
    ns.createGauge('ns_value', 'N').set(2);
    comp.createHistogram('latency_seconds', 'L', { buckets: [1] }).observe(0.5);
    ep.createIntCounterVec('errors_total', 'E', ['error_type']).withLabelValues('generate').inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_errors_total E',
        '# TYPE dynamo_component_errors_total counter',
        'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="generate",worker_id="ff"} 1',
        '# HELP dynamo_component_latency_seconds L',
        '# TYPE dynamo_component_latency_seconds histogram',
        'dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_namespace="ns",worker_id="ff",le="1"} 1',
        'dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_namespace="ns",worker_id="ff",le="+Inf"} 1',
        'dynamo_component_latency_seconds_sum{dynamo_component="comp",dynamo_namespace="ns",worker_id="ff"} 0.5',
        'dynamo_component_latency_seconds_count{dynamo_component="comp",dynamo_namespace="ns",worker_id="ff"} 1',
        '# HELP dynamo_component_ns_value N',
        '# TYPE dynamo_component_ns_value gauge',
        'dynamo_component_ns_value{dynamo_namespace="ns",worker_id="ff"} 2',
        '# HELP dynamo_component_runtime_total R',
        '# TYPE dynamo_component_runtime_total counter',
        'dynamo_component_runtime_total{worker_id="ff"} 1',
      ),
    );
  });

  it('adds worker_id to the uptime gauge too', async () => {
    const drt = new DistributedRuntime({ workerId: 255, logger: testLogger() });
    expect(await drt.prometheusExpfmt()).toMatch(
      /^# HELP dynamo_component_uptime_seconds .*\n# TYPE dynamo_component_uptime_seconds gauge\ndynamo_component_uptime_seconds\{worker_id="ff"\} [0-9.]+\n$/,
    );
  });

  it('writes bigints in hex and strings as given', async () => {
    const hex = quietRuntime({ workerId: 0x7587890abcn });
    hex.drt.createGauge('g', 'G').set(1);
    expect(await hex.drt.prometheusExpfmt()).toContain(
      'dynamo_component_g{worker_id="7587890abc"} 1\n',
    );
    const named = quietRuntime({ workerId: 'Worker-A' });
    named.drt.createGauge('g', 'G').set(1);
    expect(await named.drt.prometheusExpfmt()).toContain(
      'dynamo_component_g{worker_id="Worker-A"} 1\n',
    );
  });

  it('is reserved when enabled', () => {
    const { ep } = hierarchy({ workerId: 255 });
    expect(() => ep.createCounter('c_total', 'C', { constLabels: { worker_id: '1' } })).toThrow(
      new Error(
        "Label 'worker_id' is automatically added by auto-label injection and cannot be manually set",
      ),
    );
    expect(() => ep.createCounterVec('c_total', 'C', ['worker_id'])).toThrow(
      new Error(
        "Variable label name 'worker_id' conflicts with auto-injected const label and cannot be used",
      ),
    );
  });

  it.each([-1, 1.5, '', NaN])('rejects workerId %p', (workerId) => {
    expect(() => new DistributedRuntime({ workerId: workerId as number, uptime: false })).toThrow(
      /^Invalid workerId /,
    );
  });
});

describe('runtime const labels', () => {
  it('adds them to every series, with worker_id and the auto labels, in sorted order', async () => {
    const { drt, ep } = hierarchy({ workerId: 10, constLabels: { service: 'api', az: 'eu-1' } });
    drt.createGauge('g', 'G').set(1);
    ep.createHistogram('latency_seconds', 'L', {
      buckets: [1],
      constLabels: { model: 'm' },
    }).observe(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{az="eu-1",service="api",worker_id="a"} 1',
        '# HELP dynamo_component_latency_seconds L',
        '# TYPE dynamo_component_latency_seconds histogram',
        'dynamo_component_latency_seconds_bucket{az="eu-1",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",model="m",service="api",worker_id="a",le="1"} 0',
        'dynamo_component_latency_seconds_bucket{az="eu-1",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",model="m",service="api",worker_id="a",le="+Inf"} 1',
        'dynamo_component_latency_seconds_sum{az="eu-1",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",model="m",service="api",worker_id="a"} 2',
        'dynamo_component_latency_seconds_count{az="eu-1",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",model="m",service="api",worker_id="a"} 1',
      ),
    );
  });

  it('takes pairs as well as an object', async () => {
    const { drt } = hierarchy({ constLabels: [['service', 'api']] });
    drt.createGauge('g', 'G').set(1);
    expect(await drt.prometheusExpfmt()).toContain('dynamo_component_g{service="api"} 1\n');
  });

  it('reserves their names for the metrics of the runtime', () => {
    const { ep } = hierarchy({ constLabels: { service: 'api' } });
    expect(() => ep.createCounter('c_total', 'C', { constLabels: { service: 'x' } })).toThrow(
      new Error(
        "Label 'service' is automatically added by auto-label injection and cannot be manually set",
      ),
    );
    expect(() => ep.createCounterVec('c_total', 'C', ['service'])).toThrow(
      new Error(
        "Variable label name 'service' conflicts with auto-injected const label and cannot be used",
      ),
    );
  });

  it.each(['dynamo_namespace', 'dynamo_component', 'dynamo_endpoint', 'worker_id', 'le'])(
    'rejects the reserved name %s',
    (label) => {
      expect(() => new DistributedRuntime({ constLabels: { [label]: 'x' } })).toThrow(
        new Error(
          `Runtime const label '${label}' is reserved (Dynamo's auto labels, worker_id and le are): choose another name`,
        ),
      );
    },
  );

  it('rejects invalid names, duplicates and values that are not strings', () => {
    expect(() => new DistributedRuntime({ constLabels: { 'bad-name': 'x' } })).toThrow(/bad-name/);
    expect(
      () =>
        new DistributedRuntime({
          constLabels: [
            ['a', '1'],
            ['a', '2'],
          ],
        }),
    ).toThrow(new Error("Duplicate label key 'a' found in labels"));
    expect(
      () => new DistributedRuntime({ constLabels: { a: 1 as unknown as string }, uptime: false }),
    ).toThrow(/^Label 'a' got 1/);
  });
});

describe('nested namespaces', () => {
  it('joins the names with _ in the dynamo_namespace value', async () => {
    const { drt } = quietRuntime();
    const child = drt.namespace('ns').namespace('child');
    expect(child.path).toBe('ns_child');
    child.createGauge('g', 'G').set(1);
    child.namespace('grand-child').component('comp').createGauge('g', 'G').set(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_namespace="ns_child"} 1',
        'dynamo_component_g{dynamo_component="comp",dynamo_namespace="ns_child_grand_child"} 2',
      ),
    );
  });

  it('refuses a namespace whose label value another namespace already carries', () => {
    const { drt } = quietRuntime();
    drt.namespace('a').namespace('b');
    expect(() => drt.namespace('a_b')).toThrow(
      new Error(
        'Cannot create namespace "a_b": its dynamo_namespace value "a_b" is already carried by namespace "a/b"; their series would be indistinguishable. Choose another name',
      ),
    );
    drt.namespace('x-y');
    expect(() => drt.namespace('x').namespace('y')).toThrow(
      /^Cannot create namespace "x\/y": its dynamo_namespace value "x_y" is already carried by namespace "x_y";/,
    );
  });
});

describe('children are cached by sanitized name', () => {
  it('returns the same namespace, component and endpoint object for the same name', () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('ns');
    expect(drt.namespace('ns')).toBe(ns);
    expect(ns.namespace('child')).toBe(ns.namespace('child'));
    const comp = ns.component('comp');
    expect(ns.component('comp')).toBe(comp);
    expect(comp.endpoint('ep')).toBe(comp.endpoint('ep'));
    expect(drt.namespace('other')).not.toBe(ns);
  });

  it('returns the same object for names that sanitize equal', () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('my-ns');
    expect(drt.namespace('my.ns')).toBe(ns);
    expect(drt.namespace('my_ns')).toBe(ns);
    expect(ns.namespace('a:b')).toBe(ns.namespace('a-b'));
    const comp = ns.component('__worker');
    expect(ns.component('worker')).toBe(comp);
    expect(comp.endpoint('generate@v1')).toBe(comp.endpoint('generate_v1'));
  });

  it('so the same metric through two lookups is one series', async () => {
    const { drt } = quietRuntime();
    drt.namespace('ns').component('comp').endpoint('ep').createCounter('c_total', 'C').inc();
    drt.namespace('ns').component('comp').endpoint('ep').createCounter('c_total', 'C').inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 2',
      ),
    );
  });
});
