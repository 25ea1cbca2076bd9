import { lines, quietRuntime } from '../utils/runtime';

function endpoint() {
  const { drt } = quietRuntime();
  return { drt, ep: drt.namespace('ns').component('comp').endpoint('ep') };
}

describe('Counter', () => {
  it('inc, incBy and get', () => {
    const counter = endpoint().ep.createCounter('requests_total', 'Requests');
    expect(counter.get()).toBe(0);
    counter.inc();
    counter.inc(2.5);
    counter.incBy(0.25);
    counter.incBy(0);
    expect(counter.get()).toBe(3.75);
  });

  it.each<[number, string]>([
    [-1, '-1'],
    [-0.5, '-0.5'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    ['5' as unknown as number, '"5"'],
  ])('rejects the increment %p, naming the metric and the value', (value, shown) => {
    const counter = endpoint().ep.createCounter('requests_total', 'Requests');
    const message = `Counter 'dynamo_component_requests_total' can only increase: got increment ${shown}; use a gauge for values that go down`;
    expect(() => counter.incBy(value)).toThrow(new Error(message));
    expect(() => counter.inc(value)).toThrow(new Error(message));
    expect(counter.get()).toBe(0);
  });
});

describe('IntCounter', () => {
  it('inc, incBy and get', () => {
    const counter = endpoint().ep.createIntCounter('bytes_total', 'Bytes');
    counter.inc();
    counter.incBy(41);
    counter.inc(8);
    expect(counter.get()).toBe(50);
  });

  it.each<[number, string]>([
    [1.5, '1.5'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [2 ** 53, '9007199254740992'],
  ])('rejects the non-integer %p', (value, shown) => {
    const counter = endpoint().ep.createIntCounter('bytes_total', 'Bytes');
    const message = `Integer metric 'dynamo_component_bytes_total' got ${shown}; it only takes safe integers (use the float variant for fractions)`;
    expect(() => counter.incBy(value)).toThrow(new Error(message));
    expect(() => counter.inc(value)).toThrow(new Error(message));
    expect(counter.get()).toBe(0);
  });

  it('rejects a negative integer as a decrease', () => {
    const counter = endpoint().ep.createIntCounter('bytes_total', 'Bytes');
    expect(() => counter.incBy(-3)).toThrow(
      new Error(
        "Counter 'dynamo_component_bytes_total' can only increase: got increment -3; use a gauge for values that go down",
      ),
    );
  });
});

describe('Gauge', () => {
  it('set, inc, dec, add, sub and get', () => {
    const gauge = endpoint().ep.createGauge('inflight', 'Inflight');
    expect(gauge.get()).toBe(0);
    gauge.set(10);
    gauge.inc();
    gauge.inc(2.5);
    gauge.dec();
    gauge.dec(0.5);
    gauge.add(4);
    gauge.sub(16);
    expect(gauge.get()).toBe(0);
    gauge.sub(1.25);
    expect(gauge.get()).toBe(-1.25);
  });

  it('takes infinities (rendered as +Inf, -Inf)', () => {
    const gauge = endpoint().ep.createGauge('ratio', 'Ratio');
    gauge.set(Infinity);
    expect(gauge.get()).toBe(Infinity);
    gauge.set(-Infinity);
    expect(gauge.get()).toBe(-Infinity);
  });

  it.each<
    [
      string,
      (g: {
        set(v: number): void;
        inc(v?: number): void;
        dec(v?: number): void;
        add(v: number): void;
        sub(v: number): void;
      }) => void,
    ]
  >([
    ['set', (g) => g.set(NaN)],
    ['inc', (g) => g.inc(NaN)],
    ['dec', (g) => g.dec(NaN)],
    ['add', (g) => g.add(NaN)],
    ['sub', (g) => g.sub(NaN)],
  ])('rejects NaN in %s and keeps its value', (_name, call) => {
    const gauge = endpoint().ep.createGauge('ratio', 'Ratio');
    gauge.set(2);
    expect(() => call(gauge)).toThrow(
      new Error("Metric 'dynamo_component_ratio' got NaN; values must be numbers and not NaN"),
    );
    expect(gauge.get()).toBe(2);
  });

  it('rejects a value that is not a number', () => {
    const gauge = endpoint().ep.createGauge('ratio', 'Ratio');
    expect(() => gauge.set('5' as unknown as number)).toThrow(
      /^Metric 'dynamo_component_ratio' got "5"/,
    );
    expect(() => gauge.add(undefined as unknown as number)).toThrow(
      /^Metric 'dynamo_component_ratio' got undefined/,
    );
    expect(gauge.get()).toBe(0);
  });
});

describe('IntGauge', () => {
  it('set, inc, dec, add, sub and get', () => {
    const gauge = endpoint().ep.createIntGauge('workers', 'Workers');
    gauge.set(5);
    gauge.inc();
    gauge.inc(3);
    gauge.dec();
    gauge.dec(2);
    gauge.add(10);
    gauge.sub(20);
    expect(gauge.get()).toBe(-4);
  });

  it.each<
    [
      string,
      (g: { set(v: number): void; inc(v?: number): void; add(v: number): void }) => void,
      string,
    ]
  >([
    ['set(1.5)', (g) => g.set(1.5), '1.5'],
    ['set(NaN)', (g) => g.set(NaN), 'NaN'],
    ['inc(0.5)', (g) => g.inc(0.5), '0.5'],
    ['add(Infinity)', (g) => g.add(Infinity), 'Infinity'],
  ])('rejects %s', (_call, call, shown) => {
    const gauge = endpoint().ep.createIntGauge('workers', 'Workers');
    expect(() => call(gauge)).toThrow(
      new Error(
        `Integer metric 'dynamo_component_workers' got ${shown}; it only takes safe integers (use the float variant for fractions)`,
      ),
    );
    expect(gauge.get()).toBe(0);
  });
});

describe('Histogram', () => {
  it('observes into the right bucket; a value equal to a bound goes into that bucket', () => {
    const histogram = endpoint().ep.createHistogram('latency_seconds', 'Latency', {
      buckets: [1, 2, 5],
    });
    for (const v of [0.5, 1, 1.0000001, 2, 4.5, 5, 5.5, -3]) histogram.observe(v);
    expect(histogram.get()).toEqual({
      count: 8,
      sum: 0.5 + 1 + 1.0000001 + 2 + 4.5 + 5 + 5.5 - 3,
      buckets: [
        { le: 1, count: 3 },
        { le: 2, count: 5 },
        { le: 5, count: 7 },
        { le: Infinity, count: 8 },
      ],
    });
  });

  it("renders equal-to-bound observations in the bound's bucket", async () => {
    const { drt } = quietRuntime();
    const histogram = drt.createHistogram('size_bytes', 'Size', { buckets: [10, 100] });
    histogram.observe(10);
    histogram.observe(100);
    histogram.observe(101);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_size_bytes Size',
        '# TYPE dynamo_component_size_bytes histogram',
        'dynamo_component_size_bytes_bucket{le="10"} 1',
        'dynamo_component_size_bytes_bucket{le="100"} 2',
        'dynamo_component_size_bytes_bucket{le="+Inf"} 3',
        'dynamo_component_size_bytes_sum 211',
        'dynamo_component_size_bytes_count 3',
      ),
    );
  });

  it('uses the Prometheus default buckets', () => {
    const histogram = endpoint().ep.createHistogram('d_seconds', 'D');
    expect(histogram.get().buckets.map((b) => b.le)).toEqual([
      0.005,
      0.01,
      0.025,
      0.05,
      0.1,
      0.25,
      0.5,
      1,
      2.5,
      5,
      10,
      Infinity,
    ]);
  });

  it('rejects NaN and non-numbers', () => {
    const histogram = endpoint().ep.createHistogram('d_seconds', 'D');
    expect(() => histogram.observe(NaN)).toThrow(
      new Error("Metric 'dynamo_component_d_seconds' got NaN; values must be numbers and not NaN"),
    );
    expect(() => histogram.observe('1' as unknown as number)).toThrow(
      /^Metric 'dynamo_component_d_seconds' got "1"/,
    );
    expect(histogram.get().count).toBe(0);
  });

  describe('startTimer', () => {
    afterEach(() => jest.useRealTimers());

    it('observes the elapsed seconds (fake clock)', () => {
      jest.useFakeTimers();
      const histogram = endpoint().ep.createHistogram('request_seconds', 'R', {
        buckets: [0.1, 1, 10],
      });
      const stop = histogram.startTimer();
      jest.advanceTimersByTime(1500);
      expect(stop()).toBe(1.5);
      const fast = histogram.startTimer();
      jest.advanceTimersByTime(50);
      expect(fast()).toBe(0.05);
      expect(histogram.get()).toEqual({
        count: 2,
        sum: 1.55,
        buckets: [
          { le: 0.1, count: 1 },
          { le: 1, count: 1 },
          { le: 10, count: 2 },
          { le: Infinity, count: 2 },
        ],
      });
    });

    it('observes seconds, not milliseconds (real clock)', async () => {
      const histogram = endpoint().ep.createHistogram('request_seconds', 'R', { buckets: [1] });
      const stop = histogram.startTimer();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const seconds = stop();
      // About 0.02: milliseconds would be about 20.
      expect(seconds).toBeGreaterThanOrEqual(0.015);
      expect(seconds).toBeLessThan(15);
      const { count, sum, buckets } = histogram.get();
      expect([count, sum, buckets[0].count]).toEqual([1, seconds, 1]);
    });
  });
});

describe('vec metrics', () => {
  function requests() {
    const { drt, ep } = endpoint();
    return { drt, vec: ep.createCounterVec('requests_total', 'Requests', ['method', 'code']) };
  }

  it('withLabelValues and with return the same cached child', () => {
    const { vec } = requests();
    const child = vec.withLabelValues('GET', '200');
    expect(vec.withLabelValues('GET', '200')).toBe(child);
    expect(vec.with({ code: '200', method: 'GET' })).toBe(child);
    expect(vec.withLabelValues('GET', '500')).not.toBe(child);
    expect(vec.labelNames).toEqual(['method', 'code']);
  });

  it('converts numbers and booleans to strings', async () => {
    const { drt, vec } = requests();
    vec.withLabelValues('GET', 200).inc();
    expect(vec.withLabelValues('GET', '200')).toBe(vec.with({ method: 'GET', code: 200 }));
    vec.withLabelValues(true, 404).inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total{code="200",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",method="GET"} 1',
        'dynamo_component_requests_total{code="404",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",method="true"} 1',
      ),
    );
  });

  it('writes number label values like the numbers in the scrape (no exponent)', async () => {
    const { drt, vec } = requests();
    vec.withLabelValues(1e-7, 1e21).inc();
    expect(vec.withLabelValues('0.0000001', '1000000000000000000000').get()).toBe(1);
    expect(await drt.prometheusExpfmt()).toContain(
      '{code="1000000000000000000000",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",method="0.0000001"} 1\n',
    );
  });

  it('rejects the wrong number of values', () => {
    const { vec } = requests();
    expect(() => vec.withLabelValues('GET')).toThrow(
      new Error(
        "Metric 'dynamo_component_requests_total' has 2 label(s) [method, code] but got 1 value(s)",
      ),
    );
    expect(() => vec.withLabelValues('GET', '200', 'extra')).toThrow(
      new Error(
        "Metric 'dynamo_component_requests_total' has 2 label(s) [method, code] but got 3 value(s)",
      ),
    );
  });

  it('rejects an unknown label and a missing label in with()', () => {
    const { vec } = requests();
    expect(() => vec.with({ method: 'GET', code: '200', status: 'ok' })).toThrow(
      new Error(
        "Metric 'dynamo_component_requests_total' has no label 'status'; its labels are [method, code]",
      ),
    );
    expect(() => vec.with({ method: 'GET' })).toThrow(
      new Error("Metric 'dynamo_component_requests_total' needs a value for label 'code'"),
    );
  });

  it.each<[unknown, string]>([
    [null, 'null'],
    [undefined, 'undefined'],
    [{ a: 1 }, '{"a":1}'],
    [['x'], '["x"]'],
  ])('rejects the label value %p, naming the label', (value, shown) => {
    const { vec } = requests();
    expect(() => vec.withLabelValues('GET', value as string)).toThrow(
      new Error(
        `Label 'code' got ${shown}; label values must be strings (numbers and booleans are converted)`,
      ),
    );
  });

  it('rejects a non-string value in with()', () => {
    const { vec } = requests();
    expect(() => vec.with({ method: null as unknown as string, code: '200' })).toThrow(
      new Error(
        "Label 'method' got null; label values must be strings (numbers and booleans are converted)",
      ),
    );
  });

  it('remove forgets one child, reset forgets all', async () => {
    const { drt, vec } = requests();
    const get = vec.withLabelValues('GET', '200');
    get.inc();
    vec.withLabelValues('POST', '201').inc();
    expect(vec.seriesCount).toBe(2);
    expect(vec.remove('GET', 200)).toBe(true);
    expect(vec.remove('GET', '200')).toBe(false);
    expect(vec.remove('PUT', '200')).toBe(false);
    expect(vec.seriesCount).toBe(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total{code="201",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",method="POST"} 1',
      ),
    );
    // A removed child starts from zero when asked for again.
    const again = vec.withLabelValues('GET', '200');
    expect(again).not.toBe(get);
    expect(again.get()).toBe(0);
    vec.reset();
    expect(vec.seriesCount).toBe(0);
    expect(await drt.prometheusExpfmt()).toBe('');
  });

  it('remove checks the number of values', () => {
    const { vec } = requests();
    expect(() => vec.remove('GET')).toThrow(
      new Error(
        "Metric 'dynamo_component_requests_total' has 2 label(s) [method, code] but got 1 value(s)",
      ),
    );
  });

  it('children of every vec kind behave like their single metric', () => {
    const { ep } = endpoint();
    const intCounter = ep.createIntCounterVec('n_total', 'N', ['k']).withLabelValues('a');
    intCounter.incBy(2);
    expect(() => intCounter.incBy(0.5)).toThrow(
      /^Integer metric 'dynamo_component_n_total' got 0.5/,
    );
    const gauge = ep.createGaugeVec('g', 'G', ['k']).withLabelValues('a');
    gauge.set(2.5);
    gauge.dec();
    const intGauge = ep.createIntGaugeVec('ig', 'IG', ['k']).withLabelValues('a');
    expect(() => intGauge.set(0.5)).toThrow(/^Integer metric 'dynamo_component_ig' got 0.5/);
    const histogram = ep
      .createHistogramVec('h_seconds', 'H', ['k'], { buckets: [1] })
      .withLabelValues('a');
    histogram.observe(1);
    expect([intCounter.get(), gauge.get(), histogram.get().buckets[0].count]).toEqual([2, 1.5, 1]);
  });
});

describe('histogram buckets', () => {
  it.each<[string, unknown, string]>([
    [
      'not increasing',
      [2, 1],
      "Metric 'dynamo_component_h' has invalid buckets [2, 1]: bounds must be strictly increasing (2 then 1)",
    ],
    [
      'duplicates',
      [1, 1, 2],
      "Metric 'dynamo_component_h' has invalid buckets [1, 1, 2]: bounds must be strictly increasing (1 then 1)",
    ],
    [
      'NaN',
      [1, NaN],
      "Metric 'dynamo_component_h' has invalid buckets [1, NaN]: NaN is not a finite number",
    ],
    [
      'a string bound',
      [1, '2'],
      'Metric \'dynamo_component_h\' has invalid buckets [1, "2"]: 2 is not a finite number',
    ],
    [
      '-Infinity',
      [-Infinity, 1],
      "Metric 'dynamo_component_h' has invalid buckets [-Infinity, 1]: -Infinity is not a finite number",
    ],
    [
      'empty',
      [],
      "Metric 'dynamo_component_h' has invalid buckets []: at least one finite bucket is needed",
    ],
    [
      'only +Inf',
      [Infinity],
      "Metric 'dynamo_component_h' has invalid buckets [Infinity]: at least one finite bucket is needed",
    ],
    [
      'not an array',
      'abc',
      'Metric \'dynamo_component_h\' has invalid buckets "abc": expected an array of numbers',
    ],
  ])('rejects %s', (_case, buckets, message) => {
    const { ep } = endpoint();
    expect(() => ep.createHistogram('h', 'H', { buckets: buckets as number[] })).toThrow(
      new Error(message),
    );
    expect(() => ep.createHistogramVec('h', 'H', ['k'], { buckets: buckets as number[] })).toThrow(
      new Error(message),
    );
  });

  it('accepts a trailing Infinity and writes +Inf once', async () => {
    const { drt } = quietRuntime();
    drt.createHistogram('h', 'H', { buckets: [1, 2, Infinity] }).observe(3);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_h H',
        '# TYPE dynamo_component_h histogram',
        'dynamo_component_h_bucket{le="1"} 0',
        'dynamo_component_h_bucket{le="2"} 0',
        'dynamo_component_h_bucket{le="+Inf"} 1',
        'dynamo_component_h_sum 3',
        'dynamo_component_h_count 1',
      ),
    );
  });

  it('does not let later changes to the given array change the buckets', () => {
    const { ep } = endpoint();
    const buckets = [1, 2];
    const histogram = ep.createHistogram('h', 'H', { buckets });
    buckets.push(3);
    buckets[0] = 100;
    histogram.observe(1.5);
    expect(histogram.get().buckets).toEqual([
      { le: 1, count: 0 },
      { le: 2, count: 1 },
      { le: Infinity, count: 1 },
    ]);
  });

  it('reserves the le label on histograms', () => {
    const { ep } = endpoint();
    const message = "Label name 'le' is reserved for histogram series and cannot be used";
    expect(() => ep.createHistogramVec('h', 'H', ['le'])).toThrow(new Error(message));
    expect(() => ep.createHistogram('h', 'H', { constLabels: { le: '1' } })).toThrow(
      new Error(message),
    );
  });
});
