import type { IntCounter } from '../core/counter';
import type { IntGauge } from '../core/gauge';
import type { Histogram } from '../core/histogram';
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
  /** `requests_total` children by endpoint: [stream × error slot, then unary × error slot]. */
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
    if (slot === undefined || (requestType !== 'stream' && requestType !== 'unary')) {
      return this.lookUp(endpoint, requestType, errorType);
    }
    const index = (requestType === 'stream' ? 0 : SLOTS_PER_TYPE) + slot;
    const slots = this.requests.get(endpoint);
    if (slots !== undefined)
      return (slots[index] ??= this.lookUp(endpoint, requestType, errorType));
    // An endpoint is kept only with a series of its own: as many as the vec holds, at most.
    const child = this.lookUp(endpoint, requestType, errorType);
    if (!this.families.requests.isOverflowChild(child)) {
      const created: (IntCounter | undefined)[] = [];
      created[index] = child;
      this.requests.set(endpoint, created);
    }
    return child;
  }

  private lookUp(endpoint: string, requestType: string, errorType: string): IntCounter {
    const status = errorType === '' ? 'success' : 'error';
    return this.families.requests.withOverflowMark(
      0,
      this.label,
      endpoint,
      requestType,
      status,
      errorType,
    );
  }
}
