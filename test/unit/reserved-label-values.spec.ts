import { FrontendMetrics, OVERFLOW_LABEL_VALUE, UNKNOWN_MODEL } from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';

const OVERFLOW_HELP =
  '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: ' +
  'the metric reached its series limit, or a label value was too long or reserved';
const OVERFLOW_TYPE = '# TYPE dynamo_metrics_series_overflow_total counter';

function frontend(maxModels?: number, models?: string[]) {
  const { drt } = quietRuntime();
  const logger = testLogger();
  const metrics = new FrontendMetrics(drt, { maxModels, models }, { env: {}, logger });
  return { drt, metrics, logger };
}

/** The `requests_total` and overflow-counter lines of a scrape. */
const counted = (text: string) =>
  text.split('\n').filter((line) => /^dynamo_(frontend_requests_total|metrics_series)/.test(line));

describe('the reserved label value __overflow__ on a vec', () => {
  it('sends a label set with a value __overflow__ to the overflow series, counted, warned once', async () => {
    const { drt, logger } = quietRuntime();
    const vec = drt.createCounterVec('routes_total', 'Routes', ['route', 'method']);
    vec.withLabelValues('/a', 'GET').inc();
    const overflow = vec.withLabelValues(OVERFLOW_LABEL_VALUE, 'GET');
    overflow.inc();
    expect(vec.with({ route: '/b', method: OVERFLOW_LABEL_VALUE })).toBe(overflow);
    expect(vec.withLabelValues(OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE)).toBe(overflow);
    overflow.inc(2);
    expect(vec.seriesCount).toBe(2);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_routes_total Routes',
        '# TYPE dynamo_component_routes_total counter',
        'dynamo_component_routes_total{method="GET",route="/a"} 1',
        'dynamo_component_routes_total{method="__overflow__",route="__overflow__"} 3',
        OVERFLOW_HELP,
        OVERFLOW_TYPE,
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_routes_total"} 3',
      ),
    );
    expect(logger.warn.mock.calls).toEqual([
      [
        `Metric 'dynamo_component_routes_total' on the runtime got the value "__overflow__" for label 'route', ` +
          'which marks its overflow series; label sets with it go to that series and are counted in ' +
          'dynamo_metrics_series_overflow_total. Map that value to another one',
      ],
    ]);
  });
});

describe('reserved model names without a model list', () => {
  it('sends the model name __overflow__ (in any case) to the overflow series, counted', async () => {
    const { drt, metrics, logger } = frontend();
    for (const model of ['__overflow__', '__OVERFLOW__']) {
      const request = metrics.start(model, 'chat_completions');
      expect(request.model).toBe(OVERFLOW_LABEL_VALUE);
      request.finish();
    }
    expect(counted(await drt.prometheusExpfmt())).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="__overflow__",request_type="unary",status="success"} 2',
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 2',
    ]);
    expect(logger.warn.mock.calls).toEqual([
      [
        'dynamo_frontend_* metrics got the model name "__overflow__", which marks the overflow series; ' +
          'requests for it are labelled "__overflow__" and counted in dynamo_metrics_series_overflow_total. ' +
          'Declare the served models (frontend.models) to label unknown names "unknown_model".',
      ],
    ]);
  });

  it('sends the model name unknown_model to the unknown-model series, without taking a model slot', async () => {
    const { drt, metrics } = frontend(1);
    expect(metrics.start('Unknown_Model', 'chat_completions').model).toBe(UNKNOWN_MODEL);
    expect(metrics.start(undefined, 'chat_completions').model).toBe(UNKNOWN_MODEL);
    expect(metrics.start('llama', 'chat_completions').model).toBe('llama');
    expect(metrics.start('mistral', 'chat_completions').model).toBe(OVERFLOW_LABEL_VALUE);
    expect(await drt.prometheusExpfmt()).toContain(
      lines(
        '# HELP dynamo_frontend_inflight_requests Number of inflight requests',
        '# TYPE dynamo_frontend_inflight_requests gauge',
        'dynamo_frontend_inflight_requests{model="__overflow__"} 1',
        'dynamo_frontend_inflight_requests{model="llama"} 1',
        'dynamo_frontend_inflight_requests{model="unknown_model"} 2',
      ),
    );
  });

  it('counts every model name over maxModels in dynamo_metrics_series_overflow_total', async () => {
    const { drt, metrics } = frontend(2);
    for (const model of ['a', 'b', 'c', 'a', 'd', 'C'])
      metrics.start(model, 'completions').finish();
    expect(metrics.modelLabel('e')).toBe(OVERFLOW_LABEL_VALUE); // a question, not a request: not counted
    expect(counted(await drt.prometheusExpfmt())).toEqual([
      'dynamo_frontend_requests_total{endpoint="completions",error_type="",model="__overflow__",request_type="unary",status="success"} 3',
      'dynamo_frontend_requests_total{endpoint="completions",error_type="",model="a",request_type="unary",status="success"} 2',
      'dynamo_frontend_requests_total{endpoint="completions",error_type="",model="b",request_type="unary",status="success"} 1',
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 3',
    ]);
  });
});

describe('reserved model names with a model list', () => {
  it('labels a client asking for __overflow__ or unknown_model unknown_model, not counted', async () => {
    const { drt, metrics } = frontend(undefined, ['llama']);
    metrics.start('__overflow__', 'completions').fail('not_found');
    metrics.start('unknown_model', 'completions').fail('not_found');
    expect(counted(await drt.prometheusExpfmt())).toEqual([
      'dynamo_frontend_requests_total{endpoint="completions",error_type="not_found",model="unknown_model",request_type="unary",status="error"} 2',
    ]);
  });

  it('cannot declare a reserved name as a served model', () => {
    const { metrics } = frontend();
    for (const [model, shown] of [
      ['unknown_model', '"unknown_model"'],
      ['__Overflow__', '"__Overflow__"'],
    ]) {
      expect(() => metrics.declareModels(['llama', model])).toThrow(
        new Error(
          `Invalid frontend model ${shown}: "unknown_model" and "__overflow__" (in any case) are ` +
            'the labels of undeclared and overflowing models; choose another name',
        ),
      );
    }
    expect(metrics.models).toBeUndefined();
  });
});
