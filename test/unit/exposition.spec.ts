import { DistributedRuntime, formatNumber } from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';

describe('golden example (spec 6)', () => {
  it("matches Dynamo's integration test byte for byte", async () => {
    // Dynamo's test leaves worker_id out.
    const drt = new DistributedRuntime({ uptime: false, workerId: false });
    const comp = drt.namespace('ns345').component('comp345');
    comp.endpoint('ep345').createCounter('testcounter', 'A test counter').incBy(123.456789);
    comp.createGauge('testgauge', 'A test gauge').set(50000);
    expect(await drt.prometheusExpfmt()).toBe(
      `# HELP dynamo_component_testcounter A test counter
# TYPE dynamo_component_testcounter counter
dynamo_component_testcounter{dynamo_component="comp345",dynamo_endpoint="ep345",dynamo_namespace="ns345"} 123.456789
# HELP dynamo_component_testgauge A test gauge
# TYPE dynamo_component_testgauge gauge
dynamo_component_testgauge{dynamo_component="comp345",dynamo_namespace="ns345"} 50000
`,
    );
  });

  it('renders an empty runtime as the empty string', async () => {
    const { drt } = quietRuntime();
    expect(await drt.prometheusExpfmt()).toBe('');
  });
});

describe('every metric kind', () => {
  it('renders counters, gauges, histograms and each vec kind exactly', async () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('ns');
    const comp = ns.component('comp');
    const ep = comp.endpoint('ep');

    drt.createCounter('requests_total', 'Requests').incBy(3);
    ns.createIntCounter('jobs_total', 'Jobs').incBy(7);
    comp.createGauge('temperature_celsius', 'Temperature').set(-3.25);
    comp.createIntGauge('workers', 'Workers').set(4);
    const latency = ep.createHistogram('latency_seconds', 'Latency', { buckets: [0.25, 0.5, 1] });
    for (const v of [0.25, 0.5, 0.75, 3]) latency.observe(v);

    const errors = ep.createCounterVec('errors_total', 'Errors', ['error_type']);
    errors.withLabelValues('generate').incBy(2);
    errors.withLabelValues('deserialization').inc();
    const bytes = ep.createIntCounterVec('bytes_total', 'Bytes', ['direction']);
    bytes.withLabelValues('out').incBy(2048);
    bytes.withLabelValues('in').incBy(1024);
    const depth = ep.createGaugeVec('queue_depth', 'Queue depth', ['queue']);
    depth.withLabelValues('b').set(1.5);
    depth.withLabelValues('a').set(0.5);
    ep.createIntGaugeVec('slots', 'Slots', ['pool']).withLabelValues('x').set(3);
    const size = ep.createHistogramVec('size_bytes', 'Size', ['kind'], { buckets: [100, 1000] });
    size.withLabelValues('text').observe(50);
    size.withLabelValues('image').observe(5000);
    ep.createCounterVec('unused_total', 'Never used', ['x']);

    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_bytes_total Bytes',
        '# TYPE dynamo_component_bytes_total counter',
        'dynamo_component_bytes_total{direction="in",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1024',
        'dynamo_component_bytes_total{direction="out",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 2048',
        '# HELP dynamo_component_errors_total Errors',
        '# TYPE dynamo_component_errors_total counter',
        'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="deserialization"} 1',
        'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="generate"} 2',
        '# HELP dynamo_component_jobs_total Jobs',
        '# TYPE dynamo_component_jobs_total counter',
        'dynamo_component_jobs_total{dynamo_namespace="ns"} 7',
        '# HELP dynamo_component_latency_seconds Latency',
        '# TYPE dynamo_component_latency_seconds histogram',
        'dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",le="0.25"} 1',
        'dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",le="0.5"} 2',
        'dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",le="1"} 3',
        'dynamo_component_latency_seconds_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",le="+Inf"} 4',
        'dynamo_component_latency_seconds_sum{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 4.5',
        'dynamo_component_latency_seconds_count{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 4',
        '# HELP dynamo_component_queue_depth Queue depth',
        '# TYPE dynamo_component_queue_depth gauge',
        'dynamo_component_queue_depth{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",queue="a"} 0.5',
        'dynamo_component_queue_depth{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",queue="b"} 1.5',
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total 3',
        '# HELP dynamo_component_size_bytes Size',
        '# TYPE dynamo_component_size_bytes histogram',
        'dynamo_component_size_bytes_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="image",le="100"} 0',
        'dynamo_component_size_bytes_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="image",le="1000"} 0',
        'dynamo_component_size_bytes_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="image",le="+Inf"} 1',
        'dynamo_component_size_bytes_sum{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="image"} 5000',
        'dynamo_component_size_bytes_count{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="image"} 1',
        'dynamo_component_size_bytes_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="text",le="100"} 1',
        'dynamo_component_size_bytes_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="text",le="1000"} 1',
        'dynamo_component_size_bytes_bucket{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="text",le="+Inf"} 1',
        'dynamo_component_size_bytes_sum{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="text"} 50',
        'dynamo_component_size_bytes_count{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="text"} 1',
        '# HELP dynamo_component_slots Slots',
        '# TYPE dynamo_component_slots gauge',
        'dynamo_component_slots{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",pool="x"} 3',
        '# HELP dynamo_component_temperature_celsius Temperature',
        '# TYPE dynamo_component_temperature_celsius gauge',
        'dynamo_component_temperature_celsius{dynamo_component="comp",dynamo_namespace="ns"} -3.25',
        '# HELP dynamo_component_workers Workers',
        '# TYPE dynamo_component_workers gauge',
        'dynamo_component_workers{dynamo_component="comp",dynamo_namespace="ns"} 4',
      ),
    );
  });

  it('writes the default buckets for a histogram without options', async () => {
    const { drt } = quietRuntime();
    drt.createHistogram('duration_seconds', 'Duration').observe(0.3);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_duration_seconds Duration',
        '# TYPE dynamo_component_duration_seconds histogram',
        'dynamo_component_duration_seconds_bucket{le="0.005"} 0',
        'dynamo_component_duration_seconds_bucket{le="0.01"} 0',
        'dynamo_component_duration_seconds_bucket{le="0.025"} 0',
        'dynamo_component_duration_seconds_bucket{le="0.05"} 0',
        'dynamo_component_duration_seconds_bucket{le="0.1"} 0',
        'dynamo_component_duration_seconds_bucket{le="0.25"} 0',
        'dynamo_component_duration_seconds_bucket{le="0.5"} 1',
        'dynamo_component_duration_seconds_bucket{le="1"} 1',
        'dynamo_component_duration_seconds_bucket{le="2.5"} 1',
        'dynamo_component_duration_seconds_bucket{le="5"} 1',
        'dynamo_component_duration_seconds_bucket{le="10"} 1',
        'dynamo_component_duration_seconds_bucket{le="+Inf"} 1',
        'dynamo_component_duration_seconds_sum 0.3',
        'dynamo_component_duration_seconds_count 1',
      ),
    );
  });

  it('renders a histogram that saw nothing with zero counts', async () => {
    const { drt } = quietRuntime();
    drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] });
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_wait_seconds Wait',
        '# TYPE dynamo_component_wait_seconds histogram',
        'dynamo_component_wait_seconds_bucket{dynamo_namespace="ns",le="1"} 0',
        'dynamo_component_wait_seconds_bucket{dynamo_namespace="ns",le="+Inf"} 0',
        'dynamo_component_wait_seconds_sum{dynamo_namespace="ns"} 0',
        'dynamo_component_wait_seconds_count{dynamo_namespace="ns"} 0',
      ),
    );
  });
});

describe('families and series order', () => {
  it('sorts families by name in byte order', async () => {
    const { drt } = quietRuntime();
    for (const name of ['zeta', 'ab', 'a_b', 'a:b', 'Alpha']) drt.createGauge(name, 'G').set(1);
    const text = await drt.prometheusExpfmt();
    expect(text.split('\n').filter((line) => line.startsWith('# TYPE'))).toEqual([
      '# TYPE dynamo_component_Alpha gauge',
      '# TYPE dynamo_component_a:b gauge',
      '# TYPE dynamo_component_a_b gauge',
      '# TYPE dynamo_component_ab gauge',
      '# TYPE dynamo_component_zeta gauge',
    ]);
  });

  it('merges one family across levels, walking levels depth-first in creation order', async () => {
    const { drt } = quietRuntime();
    const b = drt.namespace('b');
    const a = drt.namespace('a');
    const c = a.component('c');
    const e = c.endpoint('e');
    a.component('before').createCounter('requests_total', 'Requests').incBy(6);
    const inner = a.namespace('inner');
    a.component('after').createCounter('requests_total', 'Requests').incBy(8);
    // Metrics created in a different order than the levels.
    e.createCounter('requests_total', 'Requests').incBy(4);
    inner.createCounter('requests_total', 'Requests').incBy(7);
    b.createCounter('requests_total', 'Requests').incBy(2);
    c.createCounter('requests_total', 'Requests').incBy(5);
    a.createCounter('requests_total', 'Requests').incBy(3);
    drt.createCounter('requests_total', 'Requests').incBy(1);
    drt.createGauge('other', 'Other').set(0);

    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_other Other',
        '# TYPE dynamo_component_other gauge',
        'dynamo_component_other 0',
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total 1',
        'dynamo_component_requests_total{dynamo_namespace="b"} 2',
        'dynamo_component_requests_total{dynamo_namespace="a"} 3',
        'dynamo_component_requests_total{dynamo_component="c",dynamo_namespace="a"} 5',
        'dynamo_component_requests_total{dynamo_component="c",dynamo_endpoint="e",dynamo_namespace="a"} 4',
        'dynamo_component_requests_total{dynamo_component="before",dynamo_namespace="a"} 6',
        'dynamo_component_requests_total{dynamo_namespace="a_inner"} 7',
        'dynamo_component_requests_total{dynamo_component="after",dynamo_namespace="a"} 8',
      ),
    );
  });

  it('sorts the series of one level by label values, in label-name order', async () => {
    const { drt } = quietRuntime();
    const vec = drt.namespace('ns').createCounterVec('http_total', 'HTTP', ['method', 'code']);
    vec.withLabelValues('POST', '500').inc();
    vec.withLabelValues('POST', '200').incBy(2);
    vec.withLabelValues('GET', '500').incBy(3);
    vec.withLabelValues('GET', '200').incBy(4);
    vec.withLabelValues('DELETE', '404').incBy(5);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_http_total HTTP',
        '# TYPE dynamo_component_http_total counter',
        'dynamo_component_http_total{code="200",dynamo_namespace="ns",method="GET"} 4',
        'dynamo_component_http_total{code="200",dynamo_namespace="ns",method="POST"} 2',
        'dynamo_component_http_total{code="404",dynamo_namespace="ns",method="DELETE"} 5',
        'dynamo_component_http_total{code="500",dynamo_namespace="ns",method="GET"} 3',
        'dynamo_component_http_total{code="500",dynamo_namespace="ns",method="POST"} 1',
      ),
    );
  });

  it('sorts label names and label values in byte order (uppercase first, UTF-8 order)', async () => {
    const { drt } = quietRuntime();
    const vec = drt.createGaugeVec('g', 'G', ['b', 'B', '_x', 'a']);
    vec.withLabelValues('1', '2', '3', '😀').set(3);
    vec.withLabelValues('1', '2', '3', 'Ａ').set(2);
    vec.withLabelValues('1', '2', '3', 'z').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{B="2",_x="3",a="z",b="1"} 1',
        'dynamo_component_g{B="2",_x="3",a="Ａ",b="1"} 2',
        'dynamo_component_g{B="2",_x="3",a="😀",b="1"} 3',
      ),
    );
  });

  it('omits vec families without children, also after remove and reset', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('kept', 'K').set(1);
    drt.createCounterVec('empty_total', 'E', ['x']);
    const removed = drt.createGaugeVec('removed', 'R', ['x']);
    removed.withLabelValues('a').set(1);
    removed.remove('a');
    const reset = drt.namespace('ns').createHistogramVec('reset_seconds', 'R', ['x']);
    reset.withLabelValues('a').observe(1);
    reset.reset();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_kept K',
        '# TYPE dynamo_component_kept gauge',
        'dynamo_component_kept 1',
      ),
    );
  });

  it('keeps the header once when one level of a family is an empty vec', async () => {
    const { drt } = quietRuntime();
    drt.namespace('a').createGaugeVec('g', 'G', ['x']);
    drt.namespace('b').createGaugeVec('g', 'G', ['x']).withLabelValues('1').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_namespace="b",x="1"} 1',
      ),
    );
  });
});

describe('scoped scrape', () => {
  it('covers only the level it is called on and the levels below', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('g', 'G').set(0);
    const a = drt.namespace('a');
    a.createGauge('g', 'G').set(1);
    const comp = a.component('comp');
    comp.createGauge('g', 'G').set(2);
    const ep = comp.endpoint('ep');
    ep.createGauge('g', 'G').set(3);
    a.namespace('inner').createGauge('g', 'G').set(4);
    drt.namespace('b').createGauge('g', 'G').set(5);
    drt.namespace('b').createGauge('only_b', 'B').set(6);

    expect(await a.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_namespace="a"} 1',
        'dynamo_component_g{dynamo_component="comp",dynamo_namespace="a"} 2',
        'dynamo_component_g{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="a"} 3',
        'dynamo_component_g{dynamo_namespace="a_inner"} 4',
      ),
    );
    expect(await comp.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_component="comp",dynamo_namespace="a"} 2',
        'dynamo_component_g{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="a"} 3',
      ),
    );
    expect(await ep.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="a"} 3',
      ),
    );
  });

  it('does not include the runtime-level uptime gauge', async () => {
    const drt = new DistributedRuntime({ workerId: false, logger: testLogger() });
    const ns = drt.namespace('ns');
    ns.createGauge('g', 'G').set(1);
    expect(await ns.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_namespace="ns"} 1',
      ),
    );
  });
});

describe('escaping', () => {
  it('escapes \\ and newline in HELP, but not "', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('g', 'Line one\nLine "two" with \\ backslash').set(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g Line one\\nLine "two" with \\\\ backslash',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g 1',
      ),
    );
  });

  it('escapes \\, " and newline in label values (vec and const labels)', async () => {
    const { drt } = quietRuntime();
    drt
      .createCounterVec('c_total', 'C', ['path'], { constLabels: { note: 'say "hi"\n' } })
      .withLabelValues('C:\\dir\\"x"\nnext')
      .inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{note="say \\"hi\\"\\n",path="C:\\\\dir\\\\\\"x\\"\\nnext"} 1',
      ),
    );
  });

  it('keeps unicode label values and replaces a lone surrogate', async () => {
    const { drt } = quietRuntime();
    const vec = drt.createGaugeVec('g', 'Grüße ✓', ['model']);
    vec.withLabelValues('héllo wörld 日本語 🚀').set(1);
    vec.withLabelValues('bad\uD800').set(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g Grüße ✓',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{model="bad\uFFFD"} 2',
        'dynamo_component_g{model="héllo wörld 日本語 🚀"} 1',
      ),
    );
  });
});

describe('numbers (Rust f64 Display)', () => {
  it.each<[number, string]>([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [50000, '50000'],
    [7.5, '7.5'],
    [-3.25, '-3.25'],
    [123.456789, '123.456789'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0.000001, '0.000001'],
    [1e-7, '0.0000001'],
    [1.5e-7, '0.00000015'],
    [-2.5e-8, '-0.000000025'],
    [1e20, '100000000000000000000'],
    [1e21, '1000000000000000000000'],
    [-1e21, '-1000000000000000000000'],
    [1.2345678901234568e21, '1234567890123456800000'],
    [9007199254740991, '9007199254740991'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('formatNumber(%p) is %j', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });

  it('writes 1.5e300 out in full', () => {
    const expected = '15' + '0'.repeat(299);
    expect(formatNumber(1.5e300)).toBe(expected);
    expect(formatNumber(1.5e300)).toHaveLength(301);
  });

  it('writes the smallest subnormal out in full', () => {
    expect(formatNumber(5e-324)).toBe('0.' + '0'.repeat(323) + '5');
  });

  it('formats gauge values in the scrape the same way', async () => {
    const { drt } = quietRuntime();
    const vec = drt.createGaugeVec('g', 'G', ['case']);
    const cases: [string, number][] = [
      ['a_int', 50000],
      ['b_frac', 7.5],
      ['c_small', 1e-7],
      ['d_big', 1e21],
      ['e_huge', 1.5e300],
      ['f_negzero', -0],
      ['g_inf', Infinity],
      ['h_neginf', -Infinity],
      ['j_precise', 123.456789],
    ];
    for (const [name, value] of cases) vec.withLabelValues(name).set(value);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{case="a_int"} 50000',
        'dynamo_component_g{case="b_frac"} 7.5',
        'dynamo_component_g{case="c_small"} 0.0000001',
        'dynamo_component_g{case="d_big"} 1000000000000000000000',
        'dynamo_component_g{case="e_huge"} 15' + '0'.repeat(299),
        'dynamo_component_g{case="f_negzero"} -0',
        'dynamo_component_g{case="g_inf"} +Inf',
        'dynamo_component_g{case="h_neginf"} -Inf',
        'dynamo_component_g{case="j_precise"} 123.456789',
      ),
    );
  });

  it('formats bucket bounds and sums without exponents', async () => {
    const { drt } = quietRuntime();
    drt.createHistogram('tiny_seconds', 'Tiny', { buckets: [1e-7, 2.5e-6] }).observe(1e-7);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_tiny_seconds Tiny',
        '# TYPE dynamo_component_tiny_seconds histogram',
        'dynamo_component_tiny_seconds_bucket{le="0.0000001"} 1',
        'dynamo_component_tiny_seconds_bucket{le="0.0000025"} 1',
        'dynamo_component_tiny_seconds_bucket{le="+Inf"} 1',
        'dynamo_component_tiny_seconds_sum 0.0000001',
        'dynamo_component_tiny_seconds_count 1',
      ),
    );
  });
});

describe('update callbacks', () => {
  it('run before the text is rendered, async ones awaited', async () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('ns');
    const gauge = ns.createGauge('g', 'G');
    const async = ns.createGauge('async_value', 'A');
    let calls = 0;
    ns.addUpdateCallback(() => gauge.set(++calls));
    ns.addUpdateCallback(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      async.set(42);
    });
    const expected = (n: number) =>
      lines(
        '# HELP dynamo_component_async_value A',
        '# TYPE dynamo_component_async_value gauge',
        'dynamo_component_async_value{dynamo_namespace="ns"} 42',
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        `dynamo_component_g{dynamo_namespace="ns"} ${n}`,
      );
    expect(await drt.prometheusExpfmt()).toBe(expected(1));
    expect(await drt.prometheusExpfmt()).toBe(expected(2));
  });

  it('of levels outside a scoped scrape do not run', async () => {
    const { drt } = quietRuntime();
    const root = jest.fn();
    const a = jest.fn();
    const aComp = jest.fn();
    const b = jest.fn();
    drt.addUpdateCallback(root);
    drt.namespace('a').addUpdateCallback(a);
    drt.namespace('a').component('c').addUpdateCallback(aComp);
    drt.namespace('b').addUpdateCallback(b);
    await drt.namespace('a').prometheusExpfmt();
    expect([
      root.mock.calls.length,
      a.mock.calls.length,
      aComp.mock.calls.length,
      b.mock.calls.length,
    ]).toEqual([0, 1, 1, 0]);
    await drt.prometheusExpfmt();
    expect([
      root.mock.calls.length,
      a.mock.calls.length,
      aComp.mock.calls.length,
      b.mock.calls.length,
    ]).toEqual([1, 2, 2, 1]);
  });

  it('a throwing or rejecting callback is logged and the scrape goes on', async () => {
    const { drt, logger } = quietRuntime();
    const gauge = drt.createGauge('g', 'G');
    drt.addUpdateCallback(() => {
      throw new Error('boom');
    });
    drt.addUpdateCallback(() => Promise.reject(new Error('async boom')));
    drt.addUpdateCallback(() => gauge.set(9));
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g 9',
      ),
    );
    expect(logger.warn.mock.calls).toEqual([
      ['An update callback failed and was skipped: boom'],
      ['An update callback failed and was skipped: async boom'],
    ]);
  });
});

describe('expfmt callbacks', () => {
  it('append their text after the families, adding a missing newline', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('z_last', 'Z').set(1);
    drt.addExpfmtCallback(
      () => '# HELP aaa_first From elsewhere\n# TYPE aaa_first gauge\naaa_first 1\n',
    );
    drt.namespace('ns').addExpfmtCallback(async () => 'raw_without_newline 2');
    drt.addExpfmtCallback(() => '');
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_z_last Z',
        '# TYPE dynamo_component_z_last gauge',
        'dynamo_component_z_last 1',
        '# HELP aaa_first From elsewhere',
        '# TYPE aaa_first gauge',
        'aaa_first 1',
        'raw_without_newline 2',
      ),
    );
  });

  it('a failing expfmt callback is logged and left out', async () => {
    const { drt, logger } = quietRuntime();
    drt.addExpfmtCallback(() => {
      throw new Error('no text');
    });
    drt.addExpfmtCallback(() => 'ok 1\n');
    expect(await drt.prometheusExpfmt()).toBe('ok 1\n');
    expect(logger.warn.mock.calls).toEqual([
      ['An expfmt callback failed and was skipped: no text'],
    ]);
  });

  it('only those of the scraped subtree are used', async () => {
    const { drt } = quietRuntime();
    drt.addExpfmtCallback(() => 'root 1\n');
    drt.namespace('a').addExpfmtCallback(() => 'a 1\n');
    drt.namespace('b').addExpfmtCallback(() => 'b 1\n');
    expect(await drt.namespace('a').prometheusExpfmt()).toBe('a 1\n');
    expect(await drt.prometheusExpfmt()).toBe('root 1\na 1\nb 1\n');
  });
});

describe('uptime gauge (spec 7.1)', () => {
  afterEach(() => jest.useRealTimers());

  it("is present by default with Dynamo's name and help", async () => {
    jest.useFakeTimers();
    const drt = new DistributedRuntime({ workerId: false, logger: testLogger() });
    jest.advanceTimersByTime(2500);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_uptime_seconds Total uptime of the DistributedRuntime in seconds',
        '# TYPE dynamo_component_uptime_seconds gauge',
        'dynamo_component_uptime_seconds 2.5',
      ),
    );
    jest.advanceTimersByTime(1500);
    expect(await drt.prometheusExpfmt()).toContain('\ndynamo_component_uptime_seconds 4\n');
  });

  it('is positive and increases between scrapes (real clock)', async () => {
    const drt = new DistributedRuntime({ workerId: false, logger: testLogger() });
    const value = async () => {
      const match = /^dynamo_component_uptime_seconds (\S+)$/m.exec(await drt.prometheusExpfmt());
      return Number(match![1]);
    };
    await new Promise((resolve) => setTimeout(resolve, 5));
    const first = await value();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await value();
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
  });

  it('sits among the other families in name order', async () => {
    jest.useFakeTimers();
    const drt = new DistributedRuntime({ workerId: false, logger: testLogger() });
    jest.advanceTimersByTime(1000);
    drt.createGauge('a_first', 'A').set(1);
    drt.createGauge('z_last', 'Z').set(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_a_first A',
        '# TYPE dynamo_component_a_first gauge',
        'dynamo_component_a_first 1',
        '# HELP dynamo_component_uptime_seconds Total uptime of the DistributedRuntime in seconds',
        '# TYPE dynamo_component_uptime_seconds gauge',
        'dynamo_component_uptime_seconds 1',
        '# HELP dynamo_component_z_last Z',
        '# TYPE dynamo_component_z_last gauge',
        'dynamo_component_z_last 2',
      ),
    );
  });

  it('is absent with uptime: false', async () => {
    const drt = new DistributedRuntime({ uptime: false, logger: testLogger() });
    expect(await drt.prometheusExpfmt()).toBe('');
    drt.createGauge('g', 'G').set(1);
    expect(await drt.prometheusExpfmt()).not.toContain('uptime');
  });
});
