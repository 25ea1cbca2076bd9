import type { IntCounter } from '../core/counter';
import type { IntGauge } from '../core/gauge';
import type { Histogram } from '../core/histogram';
import type { IntCounterVec } from '../core/metric-vec';
import type { FrontendFamilies } from './frontend-families';

/** Index of an `error_type` in a model's request-counter slots (0: success); -1 for others. */
const ERROR_SLOTS = new Map<string, number>([
  ['', 0],
  ['validation', 1],
  ['not_found', 2],
  ['overload', 3],
  ['cancelled', 4],
  ['response_timeout', 5],
  ['internal', 6],
  ['not_implemented', 7],
]);
const SLOTS_PER_TYPE = ERROR_SLOTS.size;
// After the `requests_total` slots of an endpoint: `requests_started_total` and
// `model_cancellation_total` (stream, unary), then `model_rejection_total`.
const STARTED_SLOT = 2 * SLOTS_PER_TYPE;
const CANCELLED_SLOT = STARTED_SLOT + 2;
const REJECTED_SLOT = CANCELLED_SLOT + 2;

/**
 * The series of one `model` label value, each bound the first time it is used (a series appears
 * in the scrape once something is recorded in it, as in Dynamo). The label is `FrontendMetrics`'
 * own: bounded, and `__overflow__` only as its overflow mark. Not exported from the package.
 */
export class ModelSeries {
  private inflightSeries: IntGauge | undefined;
  private queuedSeries: IntGauge | undefined;
  private durationSeries: Histogram | undefined;
  private inputSeries: Histogram | undefined;
  private outputSeries: Histogram | undefined;
  private cachedSeries: Histogram | undefined;
  private tokensSeries: IntCounter | undefined;
  private ttftSeries: Histogram | undefined;
  private itlSeries: Histogram | undefined;
  private activeSeries: IntGauge | undefined;
  private embeddingSeries: Histogram | undefined;
  private imagesSeries: Histogram | undefined;
  private videosSeries: Histogram | undefined;
  private audioSeries: Histogram | undefined;
  /**
   * Counter children by endpoint: `requests_total` [stream × error slot, then unary × error
   * slot], then `requests_started_total`, `model_cancellation_total` and `model_rejection_total`.
   */
  private readonly requests = new Map<string, (IntCounter | undefined)[]>();

  constructor(
    private readonly families: FrontendFamilies,
    /** The `model` label value. */
    readonly label: string,
  ) {}

  get inflight(): IntGauge {
    return (this.inflightSeries ??= this.families.inflight.withOverflowMark(0, this.label));
  }

  get queued(): IntGauge {
    return (this.queuedSeries ??= this.families.queued.withOverflowMark(0, this.label));
  }

  get duration(): Histogram {
    return (this.durationSeries ??= this.families.requestDuration.withOverflowMark(0, this.label));
  }

  get inputSequence(): Histogram {
    return (this.inputSeries ??= this.families.inputSequence.withOverflowMark(0, this.label));
  }

  get outputSequence(): Histogram {
    return (this.outputSeries ??= this.families.outputSequence.withOverflowMark(0, this.label));
  }

  get cachedTokens(): Histogram {
    return (this.cachedSeries ??= this.families.cachedTokens.withOverflowMark(0, this.label));
  }

  get outputTokens(): IntCounter {
    return (this.tokensSeries ??= this.families.outputTokens.withOverflowMark(0, this.label));
  }

  get timeToFirstToken(): Histogram {
    return (this.ttftSeries ??= this.families.timeToFirstToken.withOverflowMark(0, this.label));
  }

  get interTokenLatency(): Histogram {
    return (this.itlSeries ??= this.families.interTokenLatency.withOverflowMark(0, this.label));
  }

  get active(): IntGauge {
    return (this.activeSeries ??= this.families.active.withOverflowMark(0, this.label));
  }

  get embeddingLatency(): Histogram {
    return (this.embeddingSeries ??= this.families.embeddingLatency.withOverflowMark(
      0,
      this.label,
    ));
  }

  get images(): Histogram {
    return (this.imagesSeries ??= this.families.images.withOverflowMark(0, this.label));
  }

  get videos(): Histogram {
    return (this.videosSeries ??= this.families.videos.withOverflowMark(0, this.label));
  }

  get audio(): Histogram {
    return (this.audioSeries ??= this.families.audio.withOverflowMark(0, this.label));
  }

  /** The `stage_requests` child of a stage index (no `model` label). */
  stage(index: number): IntGauge {
    return this.families.stage(index);
  }

  get disconnected(): IntGauge {
    return this.families.disconnected;
  }

  /** Endpoints whose `requests_total` children are kept (bounded: see `requestCounter`). @internal */
  get retainedEntries(): number {
    return this.requests.size;
  }

  /** The `requests_total` child of one outcome; `errorType` `''` is a success. */
  requestCounter(endpoint: string, requestType: string, errorType: string): IntCounter {
    const slot = ERROR_SLOTS.get(errorType);
    const typed = requestType === 'stream' || requestType === 'unary';
    const index = (requestType === 'stream' ? 0 : SLOTS_PER_TYPE) + (slot ?? 0);
    if (slot !== undefined && typed) {
      const kept = this.requests.get(endpoint)?.[index];
      if (kept !== undefined) return kept;
    }
    const status = errorType === '' ? 'success' : 'error';
    const child = this.lookUp(this.families.requests, endpoint, requestType, status, errorType);
    return slot !== undefined && typed ? this.keep(endpoint, index, child) : child;
  }

  /** The `requests_started_total` child of an endpoint and request type. */
  startedCounter(endpoint: string, requestType: string): IntCounter {
    return this.typed(this.families.requestsStarted, STARTED_SLOT, endpoint, requestType);
  }

  /** The `model_cancellation_total` child of an endpoint and request type. */
  cancellationCounter(endpoint: string, requestType: string): IntCounter {
    return this.typed(this.families.cancellations, CANCELLED_SLOT, endpoint, requestType);
  }

  /** The `model_rejection_total` child of an endpoint. */
  rejectionCounter(endpoint: string): IntCounter {
    const kept = this.requests.get(endpoint)?.[REJECTED_SLOT];
    if (kept !== undefined) return kept;
    return this.keep(endpoint, REJECTED_SLOT, this.lookUp(this.families.rejections, endpoint));
  }

  private typed(vec: IntCounterVec, slot: number, endpoint: string, type: string): IntCounter {
    if (type !== 'stream' && type !== 'unary') return this.lookUp(vec, endpoint, type);
    const index = slot + (type === 'stream' ? 0 : 1);
    const kept = this.requests.get(endpoint)?.[index];
    return kept ?? this.keep(endpoint, index, this.lookUp(vec, endpoint, type));
  }

  /** Keeps a child in its endpoint's slot: an endpoint only with a series of its own, so at most as many as the vecs hold. */
  private keep(endpoint: string, index: number, child: IntCounter): IntCounter {
    const slots = this.requests.get(endpoint);
    if (slots !== undefined) slots[index] = child;
    else if (!this.isOverflow(child)) {
      const created: (IntCounter | undefined)[] = [];
      created[index] = child;
      this.requests.set(endpoint, created);
    }
    return child;
  }

  private isOverflow(child: IntCounter): boolean {
    const f = this.families;
    return (
      f.requests.isOverflowChild(child) ||
      f.requestsStarted.isOverflowChild(child) ||
      f.cancellations.isOverflowChild(child) ||
      f.rejections.isOverflowChild(child)
    );
  }

  private lookUp(vec: IntCounterVec, ...values: string[]): IntCounter {
    return vec.withOverflowMark(0, this.label, ...values);
  }
}
