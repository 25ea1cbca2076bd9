import type { IntGauge } from '../core/gauge';
import type { HistogramVec, IntCounterVec, IntGaugeVec } from '../core/metric-vec';
import type { PrefixedRegistry } from '../core/prefixed-registry';
import {
  FRONTEND_METRICS,
  FRONTEND_PHASES,
  MEDIA_COUNT_BUCKETS,
  MODEL_LABEL,
  REJECTION_LABELS,
  REQUEST_LABELS,
  STAGE_LABELS,
  STARTED_LABELS,
} from './frontend.constants';
import type { ResolvedFrontendBuckets } from './frontend-buckets';

/** Index of the `preprocess` stage in `FrontendFamilies.stage()`. */
export const PREPROCESS_STAGE = 0;
/** Index of `route` with phase `FRONTEND_PHASES[i]` is `ROUTE_STAGE + i`. */
export const ROUTE_STAGE = 1;
/** Index of `dispatch` with phase `FRONTEND_PHASES[i]` is `DISPATCH_STAGE + i`. */
export const DISPATCH_STAGE = ROUTE_STAGE + FRONTEND_PHASES.length;

/** Dynamo's frontend families (spec 8 and 11.1), created once on the runtime. Not exported from the package. */
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
  readonly requestsStarted: IntCounterVec;
  readonly active: IntGaugeVec;
  readonly stages: IntGaugeVec;
  readonly cancellations: IntCounterVec;
  readonly rejections: IntCounterVec;
  readonly embeddingLatency: HistogramVec;
  readonly images: HistogramVec;
  readonly videos: HistogramVec;
  readonly audio: HistogramVec;
  readonly contextLength: IntGaugeVec;
  readonly kvCacheBlockSize: IntGaugeVec;
  readonly totalKvBlocks: IntGaugeVec;
  readonly maxNumSeqs: IntGaugeVec;
  readonly maxNumBatchedTokens: IntGaugeVec;
  /** `stage_requests` children by stage index, bound at first use. */
  private readonly stageSeries: (IntGauge | undefined)[] = [];

  constructor(registry: PrefixedRegistry, buckets: ResolvedFrontendBuckets) {
    const m = FRONTEND_METRICS;
    const byModel = [MODEL_LABEL];
    const histogram = (name: readonly [string, string], bounds: readonly number[]) =>
      registry.createHistogramVec(name[0], name[1], byModel, { buckets: bounds });
    const gauge = (name: readonly [string, string]) =>
      registry.createIntGaugeVec(name[0], name[1], byModel);
    this.requests = registry.createIntCounterVec(m.requests[0], m.requests[1], REQUEST_LABELS);
    this.inflight = gauge(m.inflight);
    this.queued = gauge(m.queued);
    this.disconnected = registry.createIntGauge(m.disconnected[0], m.disconnected[1]);
    this.requestDuration = histogram(m.requestDuration, buckets.requestDuration);
    this.inputSequence = histogram(m.inputSequence, buckets.inputSequence);
    this.outputSequence = histogram(m.outputSequence, buckets.outputSequence);
    this.cachedTokens = histogram(m.cachedTokens, buckets.inputSequence);
    this.outputTokens = registry.createIntCounterVec(m.outputTokens[0], m.outputTokens[1], byModel);
    this.timeToFirstToken = histogram(m.timeToFirstToken, buckets.timeToFirstToken);
    this.interTokenLatency = histogram(m.interTokenLatency, buckets.interTokenLatency);
    const started = m.requestsStarted;
    this.requestsStarted = registry.createIntCounterVec(started[0], started[1], STARTED_LABELS);
    this.active = gauge(m.active);
    this.stages = registry.createIntGaugeVec(m.stage[0], m.stage[1], STAGE_LABELS);
    const cancelled = m.cancellations;
    this.cancellations = registry.createIntCounterVec(cancelled[0], cancelled[1], STARTED_LABELS);
    const rejected = m.rejections;
    this.rejections = registry.createIntCounterVec(rejected[0], rejected[1], REJECTION_LABELS);
    this.embeddingLatency = histogram(m.embeddingLatency, buckets.embeddingLatency);
    this.images = histogram(m.images, MEDIA_COUNT_BUCKETS);
    this.videos = histogram(m.videos, MEDIA_COUNT_BUCKETS);
    this.audio = histogram(m.audio, MEDIA_COUNT_BUCKETS);
    this.contextLength = gauge(m.contextLength);
    this.kvCacheBlockSize = gauge(m.kvCacheBlockSize);
    this.totalKvBlocks = gauge(m.totalKvBlocks);
    this.maxNumSeqs = gauge(m.maxNumSeqs);
    this.maxNumBatchedTokens = gauge(m.maxNumBatchedTokens);
  }

  /** The `stage_requests` child of a stage index (`PREPROCESS_STAGE`, `ROUTE_STAGE + phase`, ...). */
  stage(index: number): IntGauge {
    return (this.stageSeries[index] ??=
      index === PREPROCESS_STAGE
        ? this.stages.withLabelValues('preprocess', '')
        : index < DISPATCH_STAGE
          ? this.stages.withLabelValues('route', FRONTEND_PHASES[index - ROUTE_STAGE])
          : this.stages.withLabelValues('dispatch', FRONTEND_PHASES[index - DISPATCH_STAGE]));
  }
}
