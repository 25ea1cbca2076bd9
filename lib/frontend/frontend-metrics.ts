import { FRONTEND_METRIC_PREFIX, OVERFLOW_LABEL_VALUE } from '../core/core.constants';
import type { DistributedRuntime } from '../core/distributed-runtime';
import type { MetricsLogger } from '../core/interfaces/exposition.interface';
import { FrontendFamilies } from './frontend-families';
import { ModelSeries } from './model-series';
import { resolveFrontendBuckets, type ResolvedFrontendBuckets } from './frontend-buckets';
import { FrontendRequest } from './frontend-request';
import { DEFAULT_MAX_MODELS, UNKNOWN_MODEL } from './frontend.constants';
import {
  invalidEndpointMessage,
  invalidMaxModelsMessage,
  invalidModelsMessage,
  invalidRequestTypeMessage,
  modelLimitMessage,
} from './frontend.messages';
import type {
  FrontendEndpoint,
  FrontendMetricsEnvironment,
  FrontendMetricsOptions,
  FrontendRequestType,
} from './interfaces';

/**
 * Dynamo's LLM frontend metrics (`dynamo_frontend_*`) on a runtime, outside the hierarchy: no
 * `dynamo_*` labels, a `model` label. `start()` begins one request and returns its handle. In a
 * Nest app it is injectable (and `@DynamoFrontend()` records through it); without Nest,
 * `new FrontendMetrics(drt)`.
 */
export class FrontendMetrics {
  private familiesOnce: FrontendFamilies | undefined;
  private bucketsOnce: ResolvedFrontendBuckets | undefined;
  private declared: Set<string> | undefined;
  private readonly maxModels: number;
  /** Series by `model` label value. */
  private readonly labels = new Map<string, ModelSeries>();
  /** Series by model name as requested, for names that have a label of their own. */
  private readonly byName = new Map<string, ModelSeries>();
  /** Labels given to model names without a model list (at most `maxModels`). */
  private modelCount = 0;
  private readonly logger: MetricsLogger;
  private limitReported = false;

  constructor(
    private readonly runtime: DistributedRuntime,
    private readonly options: FrontendMetricsOptions = {},
    private readonly environment: FrontendMetricsEnvironment = {},
  ) {
    const { maxModels = DEFAULT_MAX_MODELS } = options;
    if (!(maxModels === Infinity || (Number.isSafeInteger(maxModels) && maxModels > 0))) {
      throw new Error(invalidMaxModelsMessage(maxModels));
    }
    this.maxModels = maxModels;
    this.logger = environment.logger ?? console;
    this.declareModels(options.models);
  }

  /**
   * Creates the families now (else at the first request); `@DynamoFrontend()` does at start-up.
   * Until then nothing of the frontend is in the scrape.
   */
  register(): void {
    void this.families;
  }

  /** The buckets of each histogram: the options', else Dynamo's (or its env variables'). */
  get buckets(): ResolvedFrontendBuckets {
    return (this.bucketsOnce ??= resolveFrontendBuckets(
      this.options.buckets ?? {},
      this.environment.env ?? process.env,
      (message) => this.warn(message),
    ));
  }

  /**
   * Declares the models the app serves (`undefined`: none declared). Requests for others are
   * labelled `unknown_model`, and count as `not_found` when they fail.
   */
  declareModels(models: readonly string[] | undefined): void {
    if (models === undefined) {
      this.declared = undefined;
    } else {
      if (!Array.isArray(models) || !models.every((model) => typeof model === 'string')) {
        throw new Error(invalidModelsMessage(models));
      }
      this.declared = new Set(models.map((model) => model.toLowerCase()));
    }
    this.byName.clear();
  }

  /** The declared models (lower-cased), or `undefined` when the app declares none. */
  get models(): ReadonlySet<string> | undefined {
    return this.declared;
  }

  /** Whether `model` is served: always true when no models are declared. */
  isServed(model: string | undefined): boolean {
    if (this.declared === undefined) return true;
    return typeof model === 'string' && this.declared.has(model.toLowerCase());
  }

  /** The `model` label a request for `model` gets: lower-cased, and bounded. */
  modelLabel(model: string | undefined): string {
    return this.seriesOf(model).label;
  }

  /**
   * Begins one request now (its arrival): +1 `inflight_requests` and `queued_requests` of its
   * model. Record its tokens on the handle, then `finish()` or `fail(errorType)` it exactly once.
   */
  start(
    model: string | undefined,
    endpoint: FrontendEndpoint,
    requestType: FrontendRequestType = 'unary',
  ): FrontendRequest {
    if (typeof endpoint !== 'string' || endpoint.length === 0) {
      throw new Error(invalidEndpointMessage(endpoint));
    }
    if (requestType !== 'stream' && requestType !== 'unary') {
      throw new Error(invalidRequestTypeMessage(requestType));
    }
    return new FrontendRequest(this.seriesOf(model), endpoint, requestType);
  }

  private get families(): FrontendFamilies {
    return (this.familiesOnce ??= new FrontendFamilies(
      this.runtime.prefixed(FRONTEND_METRIC_PREFIX),
      this.buckets,
    ));
  }

  private seriesOf(model: string | undefined): ModelSeries {
    if (typeof model !== 'string' || model.length === 0) return this.series(UNKNOWN_MODEL);
    const known = this.byName.get(model);
    if (known !== undefined) return known;
    const lower = model.toLowerCase();
    if (this.declared !== undefined) {
      if (!this.declared.has(lower)) return this.series(UNKNOWN_MODEL);
    } else if (!this.labels.has(lower)) {
      if (this.modelCount >= this.maxModels) {
        if (!this.limitReported) {
          this.limitReported = true;
          this.warn(modelLimitMessage(this.maxModels, model));
        }
        return this.series(OVERFLOW_LABEL_VALUE);
      }
      this.modelCount++;
    }
    const series = this.series(lower);
    // Names with a label of their own are bounded too: as many as labels, plus their spellings.
    if (this.byName.size < 4 * (this.declared?.size ?? this.maxModels))
      this.byName.set(model, series);
    return series;
  }

  private series(label: string): ModelSeries {
    let series = this.labels.get(label);
    if (series === undefined) {
      series = new ModelSeries(this.families, label);
      this.labels.set(label, series);
    }
    return series;
  }

  private warn(message: string): void {
    try {
      this.logger.warn(message);
    } catch {
      // A broken logger must not break a request.
    }
  }
}
