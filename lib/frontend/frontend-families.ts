import type { IntGauge } from '../core/gauge';
import type { HistogramVec, IntCounterVec, IntGaugeVec } from '../core/metric-vec';
import type { PrefixedRegistry } from '../core/prefixed-registry';
import { FRONTEND_METRICS, MODEL_LABEL, REQUEST_LABELS } from './frontend.constants';
import type { ResolvedFrontendBuckets } from './frontend-buckets';

/** Dynamo's eleven frontend families, created once on the runtime. Not exported from the package. */
export class FrontendFamilies {
  readonly requests: IntCounterVec;
  readonly inflight: IntGaugeVec;
  readonly queued: IntGaugeVec;
  readonly disconnected: IntGauge;
  readonly requestDuration: HistogramVec;
  readonly inputSequence: HistogramVec;
  readonly outputSequence: HistogramVec;
  readonly cachedTokens: HistogramVec;
  readonly outputTokens: IntCounterVec;
  readonly timeToFirstToken: HistogramVec;
  readonly interTokenLatency: HistogramVec;

  constructor(registry: PrefixedRegistry, buckets: ResolvedFrontendBuckets) {
    const m = FRONTEND_METRICS;
    const byModel = [MODEL_LABEL];
    const histogram = (name: readonly [string, string], bounds: readonly number[]) =>
      registry.createHistogramVec(name[0], name[1], byModel, { buckets: bounds });
    this.requests = registry.createIntCounterVec(m.requests[0], m.requests[1], REQUEST_LABELS);
    this.inflight = registry.createIntGaugeVec(m.inflight[0], m.inflight[1], byModel);
    this.queued = registry.createIntGaugeVec(m.queued[0], m.queued[1], byModel);
    this.disconnected = registry.createIntGauge(m.disconnected[0], m.disconnected[1]);
    this.requestDuration = histogram(m.requestDuration, buckets.requestDuration);
    this.inputSequence = histogram(m.inputSequence, buckets.inputSequence);
    this.outputSequence = histogram(m.outputSequence, buckets.outputSequence);
    this.cachedTokens = histogram(m.cachedTokens, buckets.inputSequence);
    this.outputTokens = registry.createIntCounterVec(m.outputTokens[0], m.outputTokens[1], byModel);
    this.timeToFirstToken = histogram(m.timeToFirstToken, buckets.timeToFirstToken);
    this.interTokenLatency = histogram(m.interTokenLatency, buckets.interTokenLatency);
  }
}
