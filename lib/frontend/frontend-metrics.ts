import { FRONTEND_METRIC_PREFIX, OVERFLOW_LABEL_VALUE } from '../core/core.constants';
import type { DistributedRuntime } from '../core/distributed-runtime';
import { assertExemplarLabels, type ExemplarLabels } from '../core/exemplar';
import type { MetricsLogger } from '../core/interfaces/exposition.interface';
import { FrontendFamilies } from './frontend-families';
import { ModelSeries } from './model-series';
import { resolveFrontendBuckets, type ResolvedFrontendBuckets } from './frontend-buckets';
import { FrontendRequest } from './frontend-request';
import { DEFAULT_MAX_MODELS, FRONTEND_METRICS, UNKNOWN_MODEL } from './frontend.constants';
import {
  invalidEndpointMessage,
  invalidFrontendExemplarMessage,
  invalidMaxModelsMessage,
  invalidNamespaceLabelMessage,
  invalidModelEntryMessage,
  invalidModelsMessage,
  duplicateModelConfigMessage,
  invalidRequestTypeMessage,
  longDeclaredModelMessage,
  modelLimitMessage,
  modelTooLongMessage,
  reservedDeclaredModelMessage,
  reservedModelMessage,
} from './frontend.messages';
import type {
  FrontendEndpoint,
  FrontendMetricsEnvironment,
  FrontendMetricsOptions,
  FrontendModel,
  FrontendRequestType,
} from './interfaces';

/** The configuration gauges of a `FrontendModel`, by its field. */
const MODEL_CONFIG_FIELDS = Object.freeze([
  'contextLength',
  'kvCacheBlockSize',
  'totalKvBlocks',
  'maxNumSeqs',
  'maxNumBatchedTokens',
] as const);
type ModelConfigField = (typeof MODEL_CONFIG_FIELDS)[number];
type ModelConfig = Partial<Record<ModelConfigField, number>>;
const MODEL_ENTRY_KEYS = new Set<string>(['name', ...MODEL_CONFIG_FIELDS]);

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
  /** The configuration of declared models that have one, by `model` label. */
  private configs = new Map<string, ModelConfig>();
  /** The configuration gauges in the scrape, by `model` label. */
  private published = new Map<string, ModelConfig>();
  /** Distinct `model` labels kept without a model list: `maxModels`, at most the series cap. */
  private readonly maxModels: number;
  /** The runtime's `maxLabelValueLength`: a longer model name is labelled `__overflow__`. */
  private readonly maxNameLength: number;
  /** Series by `model` label value. */
  private readonly labels = new Map<string, ModelSeries>();
  /** Series by model name as requested, for names that have a label of their own. */
  private readonly byName = new Map<string, ModelSeries>();
  /** Labels given to model names without a model list (at most `maxModels`). */
  private modelCount = 0;
  private readonly logger: MetricsLogger;
  /** The `dynamo_namespace` value on every series, if any (`namespaceLabel`). */
  private readonly namespaceLabel: string | undefined;
  /** Whether an exemplar from the environment was refused (warned once). */
  private exemplarFailed = false;
  /** The overflow warnings already logged, by kind. */
  private readonly reported = new Set<'limit' | 'length' | 'reserved'>();

  constructor(
    private readonly runtime: DistributedRuntime,
    private readonly options: FrontendMetricsOptions = {},
    private readonly environment: FrontendMetricsEnvironment = {},
  ) {
    const { maxModels = DEFAULT_MAX_MODELS } = options;
    if (!(maxModels === Infinity || (Number.isSafeInteger(maxModels) && maxModels > 0))) {
      throw new Error(invalidMaxModelsMessage(maxModels));
    }
    // Every name kept is a series of each model family: the vecs' cap bounds them too.
    this.maxModels = Math.min(maxModels, runtime.maxSeriesPerMetric);
    this.maxNameLength = runtime.maxLabelValueLength;
    const { namespaceLabel = false } = options;
    if (namespaceLabel !== false && (typeof namespaceLabel !== 'string' || namespaceLabel === '')) {
      throw new Error(invalidNamespaceLabelMessage(namespaceLabel));
    }
    this.namespaceLabel = namespaceLabel === false ? undefined : namespaceLabel;
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
   * Declares the models the app serves (`undefined`: none declared): names, or `FrontendModel`s
   * whose worker configuration is published as `dynamo_frontend_model_*` gauges. Requests for
   * other models are labelled `unknown_model`, and count as `not_found` when they fail.
   */
  declareModels(models: readonly (string | FrontendModel)[] | undefined): void {
    if (models === undefined) {
      this.declared = undefined;
      this.configs = new Map();
    } else {
      if (!Array.isArray(models)) throw new Error(invalidModelsMessage(models));
      const declared = new Set<string>();
      const configs = new Map<string, ModelConfig>();
      for (const entry of models as readonly unknown[]) {
        const model = modelNameOf(entry);
        const label = labelOf(model);
        if (label === UNKNOWN_MODEL || label === OVERFLOW_LABEL_VALUE)
          throw new Error(reservedDeclaredModelMessage(model));
        if (label.length > this.maxNameLength)
          throw new Error(longDeclaredModelMessage(model, this.maxNameLength));
        if (typeof entry === 'object') {
          if (configs.has(label)) throw new Error(duplicateModelConfigMessage(model));
          configs.set(label, configOf(entry as FrontendModel));
        }
        declared.add(label);
      }
      this.declared = declared;
      this.configs = configs;
    }
    this.byName.clear();
    if (this.familiesOnce !== undefined) this.publishConfigs(this.familiesOnce);
  }

  /** The declared models (lower-cased), or `undefined` when the app declares none. */
  get models(): ReadonlySet<string> | undefined {
    return this.declared;
  }

  /** Whether `model` is served: always true when no models are declared. */
  isServed(model: string | undefined): boolean {
    if (this.declared === undefined) return true;
    return (
      typeof model === 'string' &&
      model.length <= this.maxNameLength &&
      this.declared.has(labelOf(model))
    );
  }

  /** The `model` label a request for `model` gets: lower-cased, and bounded. */
  modelLabel(model: string | undefined): string {
    return this.seriesOf(model).label;
  }

  /**
   * Begins one request now (its arrival): +1 `requests_started_total`, `inflight_requests`,
   * `active_requests`, `queued_requests` of its model, and `stage_requests{stage="preprocess"}`.
   * Record its stages and tokens on the handle, then `finish()` or `fail(errorType)` it exactly once.
   */
  start(
    model: string | undefined,
    endpoint: FrontendEndpoint,
    requestType: FrontendRequestType = 'unary',
  ): FrontendRequest {
    return this.open(model, endpoint, requestType, true);
  }

  /** `start()`, counted as started now or when its request type is known. @internal */
  open(
    model: string | undefined,
    endpoint: FrontendEndpoint,
    requestType: FrontendRequestType,
    started: boolean,
  ): FrontendRequest {
    if (typeof endpoint !== 'string' || endpoint.length === 0) {
      throw new Error(invalidEndpointMessage(endpoint));
    }
    if (requestType !== 'stream' && requestType !== 'unary') {
      throw new Error(invalidRequestTypeMessage(requestType));
    }
    const series = this.seriesOf(model);
    // One count per request whose model name went to `__overflow__` (the limit, a name too long
    // or reserved), as the vecs count their lookups.
    if (series.label === OVERFLOW_LABEL_VALUE) this.families.requests.countOverflow();
    return new FrontendRequest(series, endpoint, requestType, started, this.exemplarNow());
  }

  /**
   * The environment's exemplar for a request starting now, checked as `observeWithExemplar`
   * checks one and copied unless frozen (the module's trace source freezes its own): one that throws or is not a valid label set gives none (warned once),
   * so a bad exemplar can never reach a scrape.
   */
  private exemplarNow(): ExemplarLabels | undefined {
    const source = this.environment.exemplar;
    if (source === undefined) return undefined;
    try {
      const labels = source();
      if (labels === undefined) return undefined;
      assertExemplarLabels(FRONTEND_METRIC_PREFIX + FRONTEND_METRICS.requestDuration[0], labels);
      return Object.isFrozen(labels) ? labels : Object.freeze({ ...labels });
    } catch (error) {
      if (!this.exemplarFailed) {
        this.exemplarFailed = true;
        this.warn(invalidFrontendExemplarMessage(error));
      }
      return undefined;
    }
  }

  /** Model names and per-name entries this object keeps (bounded by the series cap). @internal */
  get retainedEntries(): number {
    let entries = this.labels.size + this.byName.size;
    for (const series of this.labels.values()) entries += series.retainedEntries;
    return entries;
  }

  private get families(): FrontendFamilies {
    if (this.familiesOnce === undefined) {
      const families = new FrontendFamilies(
        this.runtime.prefixed(FRONTEND_METRIC_PREFIX, this.namespaceLabel),
        this.buckets,
      );
      this.familiesOnce = families;
      this.publishConfigs(families);
    }
    return this.familiesOnce;
  }

  /** Sets the declared models' configuration gauges, and removes those no longer declared. */
  private publishConfigs(families: FrontendFamilies): void {
    for (const field of MODEL_CONFIG_FIELDS) {
      const gauges = families[field];
      for (const [label, config] of this.published) {
        if (config[field] !== undefined && this.configs.get(label)?.[field] === undefined)
          gauges.remove(label);
      }
      for (const [label, config] of this.configs) {
        const value = config[field];
        if (value !== undefined) gauges.withLabelValues(label).set(value);
      }
    }
    this.published = this.configs;
  }

  private seriesOf(model: string | undefined): ModelSeries {
    if (typeof model !== 'string' || model.length === 0) return this.series(UNKNOWN_MODEL);
    const known = this.byName.get(model);
    return known === undefined ? this.resolve(model) : known;
  }

  // Off the hot path: a name seen for the first time, or one without a label of its own.
  private resolve(model: string): ModelSeries {
    const tooLong = model.length > this.maxNameLength; // before lower-casing: never copy 1 MB
    const label = tooLong ? '' : labelOf(model);
    if (this.declared !== undefined) {
      // No declared name is longer than the limit.
      return !tooLong && this.declared.has(label)
        ? this.remember(model, label)
        : this.series(UNKNOWN_MODEL);
    }
    if (tooLong || label.length > this.maxNameLength) return this.overflow('length', model);
    if (label === UNKNOWN_MODEL) return this.series(UNKNOWN_MODEL);
    if (label === OVERFLOW_LABEL_VALUE) return this.overflow('reserved', model);
    if (!this.labels.has(label)) {
      if (this.modelCount >= this.maxModels) return this.overflow('limit', model);
      this.modelCount++;
    }
    return this.remember(model, label);
  }

  /** The series of `label`, found by `model` from now on while there is room. */
  private remember(model: string, label: string): ModelSeries {
    const series = this.series(label);
    // Names with a label of their own are bounded too: as many as labels, plus their spellings.
    if (this.byName.size < 4 * (this.declared?.size ?? this.maxModels))
      this.byName.set(model, series);
    return series;
  }

  /** The `__overflow__` series for a model name, warned about once per kind. */
  private overflow(reason: 'limit' | 'length' | 'reserved', model: string): ModelSeries {
    if (!this.reported.has(reason)) {
      this.reported.add(reason);
      this.warn(
        reason === 'limit'
          ? modelLimitMessage(this.maxModels, model)
          : reason === 'length'
            ? modelTooLongMessage(this.maxNameLength, model)
            : reservedModelMessage(model),
      );
    }
    return this.series(OVERFLOW_LABEL_VALUE);
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

/** The name of a `models` entry (a name, or a `FrontendModel`), its configuration checked. */
function modelNameOf(entry: unknown): string {
  if (typeof entry === 'string') return entry;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    throw new Error(invalidModelEntryMessage(entry, 'expected a model name or { name, ... }'));
  const model = entry as Record<string, unknown>;
  if (typeof model.name !== 'string')
    throw new Error(invalidModelEntryMessage(entry, '`name` must be a string'));
  for (const key of Object.keys(model)) {
    if (!MODEL_ENTRY_KEYS.has(key))
      throw new Error(invalidModelEntryMessage(entry, `unknown property ${JSON.stringify(key)}`));
    const value = model[key];
    if (
      key !== 'name' &&
      value !== undefined &&
      !(Number.isSafeInteger(value) && (value as number) > 0)
    )
      throw new Error(invalidModelEntryMessage(entry, `\`${key}\` must be a positive integer`));
  }
  return model.name;
}

/** The configuration fields a `FrontendModel` sets (checked by `modelNameOf`). */
function configOf(model: FrontendModel): ModelConfig {
  const config: ModelConfig = {};
  for (const field of MODEL_CONFIG_FIELDS) {
    if (model[field] !== undefined) config[field] = model[field];
  }
  return config;
}

/** The `model` label of a name: lower-cased (Dynamo's rule), lone surrogates as U+FFFD. */
function labelOf(model: string): string {
  const lower = model.toLowerCase();
  return lower.isWellFormed() ? lower : lower.toWellFormed();
}
