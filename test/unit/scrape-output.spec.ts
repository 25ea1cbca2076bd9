import { lines, quietRuntime } from '../utils/runtime';

// The renderer writes UTF-8 bytes into one buffer the runtime keeps between scrapes (it grows, and
// shrinks after several small scrapes). These pin what that must never change: the text, the
// bytes, large and shrinking scrapes, and scrapes that overlap in time.

describe('prometheusExpfmtBytes', () => {
  it('is the UTF-8 encoding of prometheusExpfmt, also for non-ASCII text', async () => {
    const { drt } = quietRuntime();
    const ep = drt.namespace('ns').component('comp').endpoint('ep');
    ep.createGaugeVec('g', 'Grüße ✓', ['who']).withLabelValues('ünïcødé 😀').set(1.5);
    ep.createCounter('c_total', 'Plain').inc();
    const text = await drt.prometheusExpfmt();
    expect(text).toBe(
      lines(
        '# HELP dynamo_component_c_total Plain',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 1',
        '# HELP dynamo_component_g Grüße ✓',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",who="ünïcødé 😀"} 1.5',
      ),
    );
    const bytes = await drt.prometheusExpfmtBytes();
    expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    const openMetrics = await drt.prometheusExpfmtBytes('openmetrics');
    expect(openMetrics.toString('utf8')).toBe(await drt.prometheusExpfmt('openmetrics'));
  });

  it('returns a buffer of its own, not one a later scrape overwrites', async () => {
    const { drt } = quietRuntime();
    const gauge = drt.createGauge('g', 'G');
    gauge.set(1);
    const first = await drt.prometheusExpfmtBytes();
    gauge.set(2);
    await drt.prometheusExpfmt();
    expect(first.toString()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g 1',
      ),
    );
  });
});

describe('large scrapes', () => {
  it('renders thousands of series exactly, then small scrapes, then thousands again', async () => {
    const { drt } = quietRuntime();
    const vec = drt
      .namespace('ns')
      .component('comp')
      .endpoint('ep')
      .createHistogramVec('lat_seconds', 'Latency', ['model'], { buckets: [0.1, 1] });
    const expected: string[] = [
      '# HELP dynamo_component_lat_seconds Latency',
      '# TYPE dynamo_component_lat_seconds histogram',
    ];
    const models = Array.from({ length: 3000 }, (_, i) => `m${String(i).padStart(4, '0')}`);
    for (const model of models) {
      vec.withLabelValues(model).observe(0.5);
      const labels = `dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",model="${model}"`;
      expected.push(
        `dynamo_component_lat_seconds_bucket{${labels},le="0.1"} 0`,
        `dynamo_component_lat_seconds_bucket{${labels},le="1"} 1`,
        `dynamo_component_lat_seconds_bucket{${labels},le="+Inf"} 1`,
        `dynamo_component_lat_seconds_sum{${labels}} 0.5`,
        `dynamo_component_lat_seconds_count{${labels}} 1`,
      );
    }
    const big = lines(...expected);
    expect(big.length).toBeGreaterThan(4 * 64 * 1024);
    expect(await drt.prometheusExpfmt()).toBe(big);
    expect(await drt.prometheusExpfmt()).toBe(big);

    vec.reset();
    vec.withLabelValues('only').observe(2);
    const small = await drt.prometheusExpfmt();
    expect(small).toContain('model="only",le="+Inf"} 1\n');
    for (let i = 0; i < 6; i++) expect(await drt.prometheusExpfmt()).toBe(small);

    vec.remove('only');
    for (const model of models) vec.withLabelValues(model).observe(0.5);
    expect(await drt.prometheusExpfmt()).toBe(big);
  });

  it('writes integer values at the edges of the fast path like formatNumber', async () => {
    const { drt } = quietRuntime();
    const vec = drt.createGaugeVec('g', 'G', ['case']);
    const cases: [string, number, string][] = [
      ['a', 0, '0'],
      ['b', 9, '9'],
      ['c', 10, '10'],
      ['d', 99, '99'],
      ['e', 100, '100'],
      ['f', 1e15 - 1, '999999999999999'],
      ['g', 1e15, '1000000000000000'],
      ['h', 2 ** 53, '9007199254740992'],
      ['i', -5, '-5'],
      ['j', -0, '-0'],
      ['k', 0.5, '0.5'],
    ];
    for (const [name, value] of cases) vec.withLabelValues(name).set(value);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        ...cases.map(([name, , text]) => `dynamo_component_g{case="${name}"} ${text}`),
      ),
    );
  });
});

describe('scrapes that overlap in time', () => {
  it('each gets its own complete text', async () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('ns');
    drt.createGauge('root', 'Root').set(1);
    ns.createGauge('g', 'G').set(2);
    // All scrapes wait for the same promise, so their renders run back to back in one tick.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    ns.addExpfmtCallback(() => gate.then(() => '# extra'));
    const scrapes = Promise.all([
      drt.prometheusExpfmt(),
      ns.prometheusExpfmtBytes('openmetrics'),
      ns.prometheusExpfmt(),
    ]);
    release();
    const [root, nsOpenMetrics, nsText] = await scrapes;
    const g = [
      '# HELP dynamo_component_g G',
      '# TYPE dynamo_component_g gauge',
      'dynamo_component_g{dynamo_namespace="ns"} 2',
    ];
    expect(root).toBe(
      lines(
        ...g,
        '# HELP dynamo_component_root Root',
        '# TYPE dynamo_component_root gauge',
        'dynamo_component_root 1',
        '# extra',
      ),
    );
    expect(nsOpenMetrics.toString()).toBe(lines(...g, '# extra', '# EOF'));
    expect(nsText).toBe(lines(...g, '# extra'));
  });
});
