import { FrontendMetrics } from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';

// The scrape is UTF-8, where every lone surrogate is written as U+FFFD: label values that differ
// only there render alike, so they must be one series.
const SPELLINGS = ['\ud800x', '\udbffx', '\ufffdx'] as const;

describe('label values with lone surrogates', () => {
  it("'\\ud800x', '\\udbffx' and '\\ufffdx' are one series in every kind of vec", async () => {
    const { drt, logger } = quietRuntime();
    const vecs = [
      drt.createCounterVec('c_total', 'C', ['k']),
      drt.createIntCounterVec('ic_total', 'IC', ['k']),
      drt.createGaugeVec('g', 'G', ['k']),
      drt.createIntGaugeVec('ig', 'IG', ['k']),
      drt.createHistogramVec('h', 'H', ['k'], { buckets: [1] }),
    ] as const;
    for (const vec of vecs) {
      const children = SPELLINGS.map((value) => vec.withLabelValues(value));
      expect(children[1]).toBe(children[0]);
      expect(children[2]).toBe(children[0]);
      expect(vec.with({ k: '\udc00x' })).toBe(children[0]);
      expect(vec.seriesCount).toBe(1);
    }
    const [counter, intCounter, gauge, intGauge, histogram] = vecs;
    for (const value of SPELLINGS) {
      counter.withLabelValues(value).inc();
      intCounter.withLabelValues(value).inc();
      gauge.withLabelValues(value).inc();
      intGauge.withLabelValues(value).inc();
      histogram.withLabelValues(value).observe(0.5);
    }
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{k="\ufffdx"} 3',
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{k="\ufffdx"} 3',
        '# HELP dynamo_component_h H',
        '# TYPE dynamo_component_h histogram',
        'dynamo_component_h_bucket{k="\ufffdx",le="1"} 3',
        'dynamo_component_h_bucket{k="\ufffdx",le="+Inf"} 3',
        'dynamo_component_h_sum{k="\ufffdx"} 1.5',
        'dynamo_component_h_count{k="\ufffdx"} 3',
        '# HELP dynamo_component_ic_total IC',
        '# TYPE dynamo_component_ic_total counter',
        'dynamo_component_ic_total{k="\ufffdx"} 3',
        '# HELP dynamo_component_ig IG',
        '# TYPE dynamo_component_ig gauge',
        'dynamo_component_ig{k="\ufffdx"} 3',
      ),
    );
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('are looked up as written in every label of a multi-label vec, and removed so', async () => {
    const { drt } = quietRuntime();
    const vec = drt.createCounterVec('c_total', 'C', ['a', 'b', 'c']);
    const child = vec.withLabelValues('\ud800', 'mid\udfff', 'end\ud83d');
    expect(vec.withLabelValues('\ufffd', 'mid\ufffd', 'end\ufffd')).toBe(child);
    expect(vec.with({ c: 'end\udbff', b: 'mid\udc00', a: '\udfff' })).toBe(child);
    // A well-formed pair is a character of its own, not two replacements.
    const emoji = vec.withLabelValues('\ud83d\ude00', 'x', 'y');
    expect(emoji).not.toBe(vec.withLabelValues('\ufffd\ufffd', 'x', 'y'));
    expect(vec.seriesCount).toBe(3);
    expect(vec.remove('\udc00', 'mid\ud800', 'end\ud800')).toBe(true);
    expect(vec.seriesCount).toBe(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{a="\ufffd\ufffd",b="x",c="y"} 0',
        'dynamo_component_c_total{a="\ud83d\ude00",b="x",c="y"} 0',
      ),
    );
  });

  it('take one slot, so a full vec gives the existing series, not the overflow series', async () => {
    const { drt, logger } = quietRuntime({ maxSeriesPerMetric: 1 });
    const vec = drt.createCounterVec('c_total', 'C', ['k']);
    for (const value of SPELLINGS) vec.withLabelValues(value).inc();
    expect(vec.seriesCount).toBe(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{k="\ufffdx"} 3',
      ),
    );
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('give a frontend model name one label and one slot of maxModels', async () => {
    const drt = quietRuntime().drt;
    const metrics = new FrontendMetrics(drt, { maxModels: 1 }, { env: {}, logger: testLogger() });
    for (const model of ['\ud800dup', '\udbffDUP', '\ufffdDup']) {
      const request = metrics.start(model, 'chat_completions');
      expect(request.model).toBe('\ufffddup');
      request.finish();
    }
    const text = await drt.prometheusExpfmt();
    expect(text.split('\n').filter((line) => line.includes('requests_total{'))).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="\ufffddup",request_type="unary",status="success"} 3',
    ]);
    expect(text).toContain('dynamo_frontend_inflight_requests{model="\ufffddup"} 0\n');
  });

  it('match a declared model name as written', () => {
    const drt = quietRuntime().drt;
    const metrics = new FrontendMetrics(
      drt,
      { models: ['Llama\ud800'] },
      { env: {}, logger: testLogger() },
    );
    expect([...metrics.models!]).toEqual(['llama\ufffd']);
    expect(metrics.isServed('LLAMA\udfff')).toBe(true);
    expect(metrics.modelLabel('llama\udbff')).toBe('llama\ufffd');
  });
});
