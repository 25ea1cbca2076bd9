import { OVERFLOW_LABEL_VALUE } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

const OVERFLOW_HELP =
  '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: ' +
  'the metric reached its series limit, or a label value was too long or reserved';
const OVERFLOW_TYPE = '# TYPE dynamo_metrics_series_overflow_total counter';

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
