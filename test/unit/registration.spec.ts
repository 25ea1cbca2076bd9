import { DistributedRuntime, type MetricsRegistry } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

function hierarchy() {
  const { drt, logger } = quietRuntime();
  const ns = drt.namespace('ns');
  const comp = ns.component('comp');
  const ep = comp.endpoint('ep');
  return { drt, ns, comp, ep, logger };
}

const USE_SAME =
  'Use the same type, help, labels, buckets and unit to get the existing metric, or choose another name';

describe('get-or-create on one level (spec 5, ours)', () => {
  it.each(['drt', 'ns', 'comp', 'ep'] as const)(
    'returns the existing metric for the same shape on %s',
    (level) => {
      const registry: MetricsRegistry = hierarchy()[level];
      expect(registry.createCounter('a_total', 'A')).toBe(registry.createCounter('a_total', 'A'));
      expect(registry.createIntCounter('b_total', 'B')).toBe(
        registry.createIntCounter('b_total', 'B'),
      );
      expect(registry.createGauge('c', 'C')).toBe(registry.createGauge('c', 'C'));
      expect(registry.createIntGauge('d', 'D')).toBe(registry.createIntGauge('d', 'D'));
      expect(registry.createHistogram('e', 'E')).toBe(registry.createHistogram('e', 'E'));
      expect(registry.createCounterVec('f_total', 'F', ['x'])).toBe(
        registry.createCounterVec('f_total', 'F', ['x']),
      );
      expect(registry.createIntCounterVec('g_total', 'G', ['x'])).toBe(
        registry.createIntCounterVec('g_total', 'G', ['x']),
      );
      expect(registry.createGaugeVec('h', 'H', ['x'])).toBe(
        registry.createGaugeVec('h', 'H', ['x']),
      );
      expect(registry.createIntGaugeVec('i', 'I', ['x'])).toBe(
        registry.createIntGaugeVec('i', 'I', ['x']),
      );
      expect(registry.createHistogramVec('j', 'J', ['x'])).toBe(
        registry.createHistogramVec('j', 'J', ['x']),
      );
    },
  );

  it('treats equal shapes written differently as the same', () => {
    const { ep } = hierarchy();
    expect(ep.createHistogram('h', 'H')).toBe(
      ep.createHistogram('h', 'H', {
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
    );
    expect(ep.createHistogram('h2', 'H', { buckets: [1, 2] })).toBe(
      ep.createHistogram('h2', 'H', { buckets: [1, 2, Infinity] }),
    );
    expect(ep.createGauge('g', 'G', { constLabels: { b: '2', a: '1' } })).toBe(
      ep.createGauge('g', 'G', {
        constLabels: [
          ['a', '1'],
          ['b', '2'],
        ],
      }),
    );
    // The raw name is sanitized before the lookup.
    expect(ep.createCounter('test-name', 'T')).toBe(ep.createCounter('test.name', 'T'));
  });

  it('keeps the value of the existing metric', async () => {
    const { drt, ns } = hierarchy();
    ns.createCounter('c_total', 'C').incBy(2);
    ns.createCounter('c_total', 'C').incBy(3);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{dynamo_namespace="ns"} 5',
      ),
    );
  });
});

describe('a different shape on the same level is an error at creation, naming both shapes', () => {
  const where = 'endpoint "ns/comp/ep"';
  const conflict = (name: string, existing: string, requested: string) =>
    new Error(
      `Metric '${name}' is already registered on ${where} as ${existing}; cannot register it again as ${requested}. ${USE_SAME}`,
    );

  it('gives the full text for a help difference', () => {
    const { ep } = hierarchy();
    ep.createCounter('c_total', 'First help');
    expect(() => ep.createCounter('c_total', 'Other help')).toThrow(
      new Error(
        'Metric \'dynamo_component_c_total\' is already registered on endpoint "ns/comp/ep" as counter (help "First help"); ' +
          'cannot register it again as counter (help "Other help"). ' +
          'Use the same type, help, labels, buckets and unit to get the existing metric, or choose another name',
      ),
    );
  });

  it('differing type', () => {
    const { ep } = hierarchy();
    ep.createCounter('x', 'X');
    expect(() => ep.createGauge('x', 'X')).toThrow(
      conflict('dynamo_component_x', 'counter (help "X")', 'gauge (help "X")'),
    );
    expect(() => ep.createIntCounter('x', 'X')).toThrow(
      conflict('dynamo_component_x', 'counter (help "X")', 'int_counter (help "X")'),
    );
    expect(() => ep.createHistogram('x', 'X', { buckets: [1] })).toThrow(
      conflict('dynamo_component_x', 'counter (help "X")', 'histogram (help "X", buckets [1])'),
    );
    expect(() => ep.createCounterVec('x', 'X', ['k'])).toThrow(
      conflict('dynamo_component_x', 'counter (help "X")', 'counter_vec (help "X", labels [k])'),
    );
  });

  it('differing label names or their order', () => {
    const { ep } = hierarchy();
    ep.createGaugeVec('g', 'G', ['a', 'b']);
    expect(() => ep.createGaugeVec('g', 'G', ['a'])).toThrow(
      conflict(
        'dynamo_component_g',
        'gauge_vec (help "G", labels [a, b])',
        'gauge_vec (help "G", labels [a])',
      ),
    );
    expect(() => ep.createGaugeVec('g', 'G', ['b', 'a'])).toThrow(
      conflict(
        'dynamo_component_g',
        'gauge_vec (help "G", labels [a, b])',
        'gauge_vec (help "G", labels [b, a])',
      ),
    );
  });

  it('differing buckets', () => {
    const { ep } = hierarchy();
    ep.createHistogram('h', 'H', { buckets: [1, 2] });
    expect(() => ep.createHistogram('h', 'H', { buckets: [1, 3] })).toThrow(
      conflict(
        'dynamo_component_h',
        'histogram (help "H", buckets [1, 2])',
        'histogram (help "H", buckets [1, 3])',
      ),
    );
    expect(() => ep.createHistogram('h', 'H')).toThrow(
      conflict(
        'dynamo_component_h',
        'histogram (help "H", buckets [1, 2])',
        'histogram (help "H", buckets [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])',
      ),
    );
  });

  it('differing const labels', () => {
    const { ep } = hierarchy();
    ep.createGauge('g', 'G', { constLabels: { model: 'a' } });
    expect(() => ep.createGauge('g', 'G', { constLabels: { model: 'b' } })).toThrow(
      conflict(
        'dynamo_component_g',
        'gauge (help "G", constLabels {model="a"})',
        'gauge (help "G", constLabels {model="b"})',
      ),
    );
    expect(() => ep.createGauge('g', 'G')).toThrow(
      conflict(
        'dynamo_component_g',
        'gauge (help "G", constLabels {model="a"})',
        'gauge (help "G")',
      ),
    );
  });

  it('differing unit', () => {
    const { ep } = hierarchy();
    ep.createGauge('heap_bytes', 'Heap', { unit: 'bytes' });
    expect(() => ep.createGauge('heap_bytes', 'Heap')).toThrow(
      conflict(
        'dynamo_component_heap_bytes',
        'gauge (help "Heap", unit bytes)',
        'gauge (help "Heap")',
      ),
    );
  });

  it('names the level in the message', () => {
    const { drt, ns, comp } = hierarchy();
    const nested = ns.namespace('child');
    const cases: [MetricsRegistry, string][] = [
      [drt, 'the runtime'],
      [ns, 'namespace "ns"'],
      [comp, 'component "ns/comp"'],
      [nested, 'namespace "ns/child"'],
      [nested.component('c2'), 'component "ns/child/c2"'],
      [nested.component('c2').endpoint('e2'), 'endpoint "ns/child/c2/e2"'],
    ];
    cases.forEach(([registry, description], i) => {
      registry.createGauge(`g_${i}`, 'G');
      expect(() => registry.createCounter(`g_${i}`, 'G')).toThrow(
        new Error(
          `Metric 'dynamo_component_g_${i}' is already registered on ${description} as gauge (help "G"); cannot register it again as counter (help "G"). ${USE_SAME}`,
        ),
      );
    });
  });
});

describe('the same name on several levels', () => {
  it('is one family with a series per level (two endpoints)', async () => {
    const { drt, comp } = hierarchy();
    const a = comp.endpoint('a').createIntCounter('requests_total', 'Requests');
    const b = comp.endpoint('b').createIntCounter('requests_total', 'Requests');
    expect(a).not.toBe(b);
    a.inc();
    b.incBy(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="a",dynamo_namespace="ns"} 1',
        'dynamo_component_requests_total{dynamo_component="comp",dynamo_endpoint="b",dynamo_namespace="ns"} 2',
      ),
    );
  });

  it('may differ in labels and int/float variant as long as type, help and unit agree', async () => {
    const { drt, ns, ep } = hierarchy();
    ns.createCounter('events_total', 'Events').incBy(0.5);
    ep.createIntCounterVec('events_total', 'Events', ['kind']).withLabelValues('x').inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_events_total Events',
        '# TYPE dynamo_component_events_total counter',
        'dynamo_component_events_total{dynamo_namespace="ns"} 0.5',
        'dynamo_component_events_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",kind="x"} 1',
      ),
    );
  });

  it('with a different type on another level is an error at creation', () => {
    const { drt, ns } = hierarchy();
    drt.createCounter('x', 'X');
    expect(() => ns.createGauge('x', 'X')).toThrow(
      new Error(
        'Metric \'dynamo_component_x\' is registered on the runtime as counter (help "X"); every series of one family must share type, help and unit, ' +
          'so it cannot be registered on namespace "ns" as gauge (help "X")',
      ),
    );
  });

  it('with a different help on another level is an error at creation', () => {
    const { comp, ep } = hierarchy();
    ep.createHistogram('h', 'Old help', { buckets: [1] });
    expect(() => comp.createHistogram('h', 'New help', { buckets: [1] })).toThrow(
      new Error(
        'Metric \'dynamo_component_h\' is registered on endpoint "ns/comp/ep" as histogram (help "Old help", buckets [1]); every series of one family must share type, help and unit, ' +
          'so it cannot be registered on component "ns/comp" as histogram (help "New help", buckets [1])',
      ),
    );
  });

  it('with a different unit on another level is an error at creation', () => {
    const { drt, ns } = hierarchy();
    drt.createGauge('heap_bytes', 'Heap', { unit: 'bytes' });
    expect(() => ns.createGauge('heap_bytes', 'Heap')).toThrow(
      /^Metric 'dynamo_component_heap_bytes' is registered on the runtime/,
    );
  });

  it('a failed creation leaves nothing behind', async () => {
    const { drt, ns } = hierarchy();
    drt.createCounter('x_total', 'X').inc();
    expect(() => ns.createGauge('x_total', 'X')).toThrow();
    expect(() =>
      ns.createCounter('x_total', 'X', { constLabels: { dynamo_namespace: 'n' } }),
    ).toThrow();
    expect(() => ns.createCounterVec('y_total', 'Y', ['bad-name'])).toThrow();
    ns.createCounter('x_total', 'X').incBy(2);
    ns.createCounterVec('y_total', 'Y', ['ok']).withLabelValues('1').inc();
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_x_total X',
        '# TYPE dynamo_component_x_total counter',
        'dynamo_component_x_total 1',
        'dynamo_component_x_total{dynamo_namespace="ns"} 2',
        '# HELP dynamo_component_y_total Y',
        '# TYPE dynamo_component_y_total counter',
        'dynamo_component_y_total{dynamo_namespace="ns",ok="1"} 1',
      ),
    );
  });
});

describe('other creation errors', () => {
  it('needs a non-empty help string', () => {
    const { ep } = hierarchy();
    expect(() => ep.createCounter('c_total', '')).toThrow(
      new Error('Metric \'dynamo_component_c_total\' needs a non-empty help string, got ""'),
    );
    expect(() => ep.createGauge('g', undefined as unknown as string)).toThrow(
      new Error("Metric 'dynamo_component_g' needs a non-empty help string, got undefined"),
    );
  });

  it('needs an array of label names for a vec', () => {
    const { ep } = hierarchy();
    expect(() => ep.createCounterVec('c_total', 'C', 'code' as unknown as string[])).toThrow(
      /^Metric 'dynamo_component_c_total' needs an array of label names/,
    );
  });
});

describe('a scrape never fails', () => {
  it('after rejected registrations, failing callbacks and a throwing logger', async () => {
    const drt = new DistributedRuntime({
      uptime: false,
      workerId: false,
      logger: {
        warn() {
          throw new Error('logger is broken');
        },
      },
    });
    const ns = drt.namespace('ns');
    drt.createCounter('x_total', 'X').inc();
    expect(() => ns.createGauge('x_total', 'X')).toThrow();
    expect(() => ns.createCounter('x_total', 'Other')).toThrow();
    drt.addUpdateCallback(() => {
      throw new Error('update');
    });
    ns.addExpfmtCallback(() => Promise.reject(new Error('expfmt')));
    const expected = lines(
      '# HELP dynamo_component_x_total X',
      '# TYPE dynamo_component_x_total counter',
      'dynamo_component_x_total 1',
    );
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_x X',
        '# TYPE dynamo_component_x counter',
        'dynamo_component_x_total 1',
        '# EOF',
      ),
    );
  });
});
