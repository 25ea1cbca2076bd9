/// <reference types="node" preserve="true" />
import { BucketLayout } from './bucket-layout';
import { ByteWriter } from './byte-writer';
import { COMPONENT_METRIC_PREFIX, DEFAULT_BUCKETS } from './core.constants';
import {
  callbackFailedMessage,
  callbackTimedOutMessage,
  labelValueTooLongMessage,
  reservedLabelValueMessage,
  seriesLimitMessage,
  shapeConflictMessage,
  unknownFormatMessage,
} from './core.messages';
import { Counter, IntCounter } from './counter';
import { renderExposition } from './exposition';
import { Gauge, IntGauge } from './gauge';
import { Histogram } from './histogram';
import type {
  ExpfmtCallback,
  ExpositionFormat,
  UpdateCallback,
} from './interfaces/exposition.interface';
import type { HistogramOptions, MetricOptions } from './interfaces/metric-options.interface';
import type { MetricsRegistry } from './interfaces/metrics-registry.interface';
import { LabelLayout } from './label-layout';
import { sanitizeLabelName, sanitizeMetricName } from './naming';
import {
  buildShape,
  describeShape,
  sameShape,
  type MetricKind,
  type MetricShape,
} from './metric-shape';
import {
  MetricVec,
  type CounterVec,
  type GaugeVec,
  type HistogramVec,
  type IntCounterVec,
  type IntGaugeVec,
  type OverflowSink,
} from './metric-vec';
import type { ExternalFamily } from './prom-client-bridge';
import { RegisteredMetric } from './registered-metric';
import type { RuntimeState } from './runtime-state';
import type { SeriesIdentity } from './series';

type SeriesFactory = (labelText: string) => SeriesIdentity;

/**
 * One level of the hierarchy: owns the metrics created on it and renders itself and its
 * descendants. DistributedRuntime, Namespace, Component and Endpoint extend it.
 */
export abstract class RegistryLevel implements MetricsRegistry {
  /** @internal */
  readonly metrics = new Map<string, RegisteredMetric>();
  /** @internal */
  readonly children: RegistryLevel[] = [];
  // Most levels never get a callback: no empty arrays for them.
  private updateCallbacks: UpdateCallback[] | undefined;
  private expfmtCallbacks: ExpfmtCallback[] | undefined;

  /** @internal */
  protected constructor(
    /** @internal */ protected readonly state: RuntimeState,
    /** Auto labels of this level, e.g. `[['dynamo_namespace', 'ns']]`. */
    readonly autoLabels: readonly (readonly [string, string])[],
  ) {}

  /** How messages name this level, e.g. `component "ns/comp"`. @internal */
  abstract get description(): string;

  createCounter(name: string, help: string, opts: MetricOptions = {}): Counter {
    return this.register('counter', false, name, help, [], opts) as Counter;
  }

  createCounterVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts: MetricOptions = {},
  ): CounterVec {
    return this.register('counter', true, name, help, labelNames, opts) as CounterVec;
  }

  createGauge(name: string, help: string, opts: MetricOptions = {}): Gauge {
    return this.register('gauge', false, name, help, [], opts) as Gauge;
  }

  createGaugeVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts: MetricOptions = {},
  ): GaugeVec {
    return this.register('gauge', true, name, help, labelNames, opts) as GaugeVec;
  }

  createHistogram(name: string, help: string, opts: HistogramOptions = {}): Histogram {
    return this.register('histogram', false, name, help, [], opts) as Histogram;
  }

  createHistogramVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts: HistogramOptions = {},
  ): HistogramVec {
    return this.register('histogram', true, name, help, labelNames, opts) as HistogramVec;
  }

  createIntCounter(name: string, help: string, opts: MetricOptions = {}): IntCounter {
    return this.register('int_counter', false, name, help, [], opts) as IntCounter;
  }

  createIntCounterVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts: MetricOptions = {},
  ): IntCounterVec {
    return this.register('int_counter', true, name, help, labelNames, opts) as IntCounterVec;
  }

  createIntGauge(name: string, help: string, opts: MetricOptions = {}): IntGauge {
    return this.register('int_gauge', false, name, help, [], opts) as IntGauge;
  }

  createIntGaugeVec(
    name: string,
    help: string,
    labelNames: readonly string[],
    opts: MetricOptions = {},
  ): IntGaugeVec {
    return this.register('int_gauge', true, name, help, labelNames, opts) as IntGaugeVec;
  }

  addUpdateCallback(callback: UpdateCallback): void {
    (this.updateCallbacks ??= []).push(callback);
  }

  addExpfmtCallback(callback: ExpfmtCallback): void {
    (this.expfmtCallbacks ??= []).push(callback);
  }

  /** Exposition text of this level and everything below it. */
  async prometheusExpfmt(format: ExpositionFormat = 'prometheus'): Promise<string> {
    return this.scrape(format, (out) => out.toString());
  }

  /**
   * The same text as UTF-8 bytes, without building a JavaScript string first: what a `/metrics`
   * handler sends. The buffer is the caller's.
   */
  async prometheusExpfmtBytes(format: ExpositionFormat = 'prometheus'): Promise<Buffer> {
    return this.scrape(format, (out) => out.toBuffer());
  }

  // Everything asynchronous (callbacks, other registries) happens first. The render and `take`
  // are then one synchronous step, so the runtime's one writer never serves two scrapes at once.
  private async scrape<T>(format: ExpositionFormat, take: (out: ByteWriter) => T): Promise<T> {
    if (format !== 'prometheus' && format !== 'openmetrics') {
      throw new Error(unknownFormatMessage(format));
    }
    const levels = await this.runUpdateCallbacks();
    // Concurrently, so that parts that hang cost one timeout together, not one each.
    const expfmt = levels.flatMap((level) => level.expfmtCallbacks ?? []);
    const [externals, texts] = await Promise.all([
      this.externalFamilies(),
      Promise.all(
        expfmt.map((callback) =>
          this.runCallback('expfmt', callback, () => callback(format), format),
        ),
      ),
    ]);
    const raw: string[] = [];
    for (const text of texts) if (typeof text === 'string') raw.push(rawText(text));

    const out = this.state.writer;
    out.reset();
    renderExposition(out, this, format, externals, (family, owner) =>
      this.reportClash(family, owner),
    );
    for (const text of raw) out.text(text);
    if (format === 'openmetrics') out.text('# EOF\n');
    return take(out);
  }

  /** Families from other libraries merged into this level's scrape (the runtime's prom-client registries). @internal */
  protected async externalFamilies(): Promise<ExternalFamily[]> {
    return [];
  }

  /** @internal */
  protected reportClash(_family: ExternalFamily, _owner: string): void {}

  /**
   * Runs the update callbacks of this level and below, depth-first; then those of levels that
   * the callbacks created, so that their values are fresh in this scrape too. Returns the levels.
   */
  private async runUpdateCallbacks(): Promise<RegistryLevel[]> {
    const done = new Set<RegistryLevel>();
    let levels = this.subtree();
    while (levels.some((level) => !done.has(level))) {
      // Started in order (synchronous ones finish in order); asynchronous ones run concurrently,
      // so callbacks that hang cost one timeout together.
      const running: Promise<unknown>[] = [];
      for (const level of levels) {
        if (done.has(level)) continue;
        done.add(level);
        for (const callback of level.updateCallbacks ?? [])
          running.push(this.runCallback('update', callback, callback));
      }
      await Promise.all(running);
      levels = this.subtree();
    }
    return levels;
  }

  /**
   * Runs a callback under the runtime's collect timeout; a failure or timeout is logged (once per
   * callback until it works again) and gives `undefined`.
   */
  private async runCallback<T>(
    kind: 'update' | 'expfmt',
    callback: object,
    call: () => T | PromiseLike<T>,
    variant?: string,
  ): Promise<T | undefined> {
    const outcome = await this.state.guard.run(callback, call, variant);
    if (outcome.status === 'done') {
      this.state.recovered(callback);
      return outcome.value;
    }
    this.state.warn(
      outcome.status === 'failed'
        ? callbackFailedMessage(kind, outcome.error)
        : callbackTimedOutMessage(kind, this.state.guard.timeoutMs),
      callback,
    );
    return undefined;
  }

  /** The child level called `name` (sanitized) from `cache`, made by `make` on first use. @internal */
  protected child<T extends RegistryLevel>(
    cache: Map<string, T>,
    name: string,
    make: (sanitized: string) => T,
  ): T {
    const sanitized = sanitizeLabelName(name);
    let child = cache.get(sanitized);
    if (!child) {
      child = make(sanitized);
      cache.set(sanitized, child);
      this.children.push(child);
    }
    return child;
  }

  private subtree(): RegistryLevel[] {
    const out: RegistryLevel[] = [];
    const walk = (level: RegistryLevel) => {
      out.push(level);
      level.children.forEach(walk);
    };
    walk(this);
    return out;
  }

  private register(
    kind: MetricKind,
    vec: boolean,
    rawName: string,
    help: string,
    labelNames: readonly string[],
    opts: HistogramOptions,
  ): unknown {
    return this.registerNamed(this.metricName(rawName), kind, vec, help, labelNames, opts);
  }

  /** The runtime's pairs on every series created here: `worker_id` (unless off) and const labels. @internal */
  protected get runtimeLabels(): readonly (readonly [string, string])[] {
    return this.state.hierarchyLabels;
  }

  /** The full name of a metric created here as `name`: `dynamo_component_` + the sanitized name. @internal */
  protected metricName(name: string): string {
    return fullMetricName(name);
  }

  /** Registers (or gets) a metric under `name` as given: the runtime's own need no prefix. @internal */
  protected registerNamed(
    name: string,
    kind: MetricKind,
    vec: boolean,
    help: string,
    labelNames: readonly string[],
    opts: HistogramOptions,
  ): unknown {
    const shape = buildShape(
      name,
      kind,
      vec,
      help,
      labelNames,
      opts,
      this.state.reservedLabels,
      DEFAULT_BUCKETS,
    );
    const existing = this.metrics.get(name);
    if (existing) {
      if (!sameShape(existing.shape, shape)) {
        throw new Error(
          shapeConflictMessage(
            name,
            this.description,
            describeShape(existing.shape),
            describeShape(shape),
          ),
        );
      }
      return existing.metric;
    }
    this.state.checkFamily(name, shape, this.description);

    const fixed = [...this.runtimeLabels, ...this.autoLabels, ...shape.constLabels];
    const layout = new LabelLayout(fixed, shape.labelNames);
    const create = seriesFactory(name, kind, shape);
    const metric = vec ? this.vec(name, shape, layout, create) : create(layout.build([]));
    this.metrics.set(name, new RegisteredMetric(name, shape, metric as never));
    this.state.addFamily(name, shape, this.description);
    return metric;
  }

  private vec(
    name: string,
    shape: MetricShape,
    layout: LabelLayout,
    create: SeriesFactory,
  ): MetricVec<SeriesIdentity> {
    const limit = shape.maxSeries ?? this.state.maxSeriesPerMetric;
    const maxLength = shape.maxLabelValueLength ?? this.state.maxLabelValueLength;
    const { labelNames } = shape;
    const sink: OverflowSink = {
      // Marked: a metric named `__overflow__` must not overflow the counter of overflows.
      counter: () => this.state.seriesOverflow.withOverflowMark(0, name),
      // Called once per vec and reason: each warning is logged once.
      warn: (reason, refused, label) => {
        const where = this.description;
        if (reason === 'length') {
          this.state.warn(
            labelValueTooLongMessage(name, where, maxLength, labelNames[label], refused[label]),
          );
        } else if (reason === 'reserved') {
          this.state.warn(reservedLabelValueMessage(name, where, labelNames[label]));
        } else {
          const labels = labelNames.map((labelName, i) => [labelName, refused[i]] as const);
          this.state.warn(seriesLimitMessage(name, where, limit, labels));
        }
      },
    };
    return new MetricVec(name, labelNames, layout, create, limit, maxLength, sink);
  }
}

/** Raw callback text as it goes into the scrape: ends with a newline, no `# EOF` of its own. */
function rawText(text: string): string {
  const body = text.replace(/(^|\n)# EOF\s*$/, '$1');
  return body === '' || body.endsWith('\n') ? body : body + '\n';
}

/** `dynamo_component_` + the sanitized name. */
export function fullMetricName(name: string): string {
  return COMPONENT_METRIC_PREFIX + sanitizeMetricName(name);
}

function seriesFactory(name: string, kind: MetricKind, shape: MetricShape): SeriesFactory {
  switch (kind) {
    case 'counter':
      return (text) => new Counter(name, text);
    case 'int_counter':
      return (text) => new IntCounter(name, text);
    case 'gauge':
      return (text) => new Gauge(name, text);
    case 'int_gauge':
      return (text) => new IntGauge(name, text);
    case 'histogram': {
      const layout = BucketLayout.of(shape.buckets!);
      return (text) => new Histogram(name, text, layout);
    }
  }
}
