import { ByteWriter } from './byte-writer';
import { CollectGuard } from './collect-guard';
import {
  DEFAULT_COLLECT_TIMEOUT_MS,
  DEFAULT_MAX_LABEL_VALUE_LENGTH,
  DEFAULT_MAX_SERIES_PER_METRIC,
  MAX_TIMEOUT_MS,
  SERIES_OVERFLOW_LABEL,
  WORKER_ID_LABEL,
} from './core.constants';
import {
  duplicateLabelMessage,
  externalConflictMessage,
  familyConflictMessage,
  includeConflictMessage,
  invalidCollectTimeoutMessage,
  invalidLabelValueMessage,
  invalidMaxLabelValueLengthMessage,
  invalidMaxSeriesPerMetricMessage,
  namespacePathConflictMessage,
  runtimeLabelReservedMessage,
  sampleNameConflictMessage,
  seriesOverflowLabelReservedMessage,
} from './core.messages';
import { compareUtf8 } from './exposition-text';
import type { DistributedRuntimeOptions } from './interfaces/distributed-runtime-options.interface';
import type { MetricsLogger } from './interfaces/exposition.interface';
import type { CounterVec } from './metric-vec';
import { assertValidLabelName } from './naming';
import { describeShape, isLimit, metricType, sameFamily, type MetricShape } from './metric-shape';
import type { PromClientRegistry } from './prom-client-bridge';
import { sampleNames, toMetricType } from './sample-names';
import { resolveWorkerId } from './worker-id';

/** Distinct warnings remembered before the memory is cleared (and they may be logged again). */
const WARNINGS_REMEMBERED = 1000;

/** What all levels of one runtime share. Not exported from the package. */
export class RuntimeState {
  /** Every family name in the runtime, with the first shape and where it was registered. */
  readonly families = new Map<string, { shape: MetricShape; where: string }>();
  /** prom-client registries merged into the root scrape. */
  readonly registries: { registry: PromClientRegistry; source: string }[] = [];
  /** The runtime's `worker_id`; `undefined` with `workerId: false`. */
  readonly workerId: string | undefined;
  /** Pairs on every series of the hierarchy: `worker_id` (unless off), then the const labels. */
  readonly hierarchyLabels: readonly (readonly [string, string])[];
  /** The runtime's const labels alone: on prefixed registries' series, which carry no `worker_id`. */
  readonly constLabels: readonly (readonly [string, string])[];
  readonly reservedLabels: readonly string[];
  /** Shared by every scrape of this runtime; each render is one synchronous step. */
  readonly writer = new ByteWriter();
  /** The default series limit of a vec. */
  readonly maxSeriesPerMetric: number;
  /** The default longest label value of a vec. */
  readonly maxLabelValueLength: number;
  /** Bounds every callback and prom-client metric of a scrape by `collectTimeoutMs`. */
  readonly guard: CollectGuard;
  /** `dynamo_metrics_series_overflow_total`: the runtime registers it on its own level. */
  seriesOverflow!: CounterVec;
  private readonly logger: MetricsLogger;
  /** Sample name → the family that writes it. */
  private readonly samples = new Map<string, string>();
  private readonly namespacePaths = new Map<string, string>();
  /** The last warning per source (a callback, a registry, a message), so repeats are not logged. */
  private readonly warnings = new Map<unknown, string>();

  constructor(autoLabels: readonly string[], options: DistributedRuntimeOptions) {
    // Only `undefined` gives a default: a `null` from a config file is a mistake to report.
    const {
      workerId,
      constLabels = [],
      maxSeriesPerMetric = DEFAULT_MAX_SERIES_PER_METRIC,
      maxLabelValueLength = DEFAULT_MAX_LABEL_VALUE_LENGTH,
      collectTimeoutMs = DEFAULT_COLLECT_TIMEOUT_MS,
    } = options;
    this.logger = options.logger ?? console;
    if (!isLimit(maxSeriesPerMetric)) {
      throw new Error(invalidMaxSeriesPerMetricMessage(maxSeriesPerMetric));
    }
    this.maxSeriesPerMetric = maxSeriesPerMetric;
    if (!isLimit(maxLabelValueLength)) {
      throw new Error(invalidMaxLabelValueLengthMessage(maxLabelValueLength));
    }
    this.maxLabelValueLength = maxLabelValueLength;
    // Node fires a longer timeout at once.
    const validTimeout =
      collectTimeoutMs === Infinity ||
      (Number.isSafeInteger(collectTimeoutMs) &&
        collectTimeoutMs > 0 &&
        collectTimeoutMs <= MAX_TIMEOUT_MS);
    if (!validTimeout) throw new Error(invalidCollectTimeoutMessage(collectTimeoutMs));
    this.guard = new CollectGuard(collectTimeoutMs);

    const id = resolveWorkerId(workerId);
    this.workerId = id;
    const worker: (readonly [string, string])[] = id === undefined ? [] : [[WORKER_ID_LABEL, id]];
    const reserved = [...autoLabels, WORKER_ID_LABEL, 'le'];
    const pairs = Array.isArray(constLabels) ? constLabels : Object.entries(constLabels);
    const own: [string, string][] = [];
    for (const [label, value] of pairs as (readonly [unknown, unknown])[]) {
      assertValidLabelName(label);
      if (reserved.includes(label)) throw new Error(runtimeLabelReservedMessage(label));
      if (label === SERIES_OVERFLOW_LABEL)
        throw new Error(seriesOverflowLabelReservedMessage(label));
      if (own.some(([name]) => name === label)) throw new Error(duplicateLabelMessage(label));
      if (typeof value !== 'string') throw new Error(invalidLabelValueMessage(label, value));
      own.push([label, value]);
    }
    own.sort((a, b) => compareUtf8(a[0], b[0]));
    this.constLabels = own;
    this.hierarchyLabels = [...worker, ...own];
    this.reservedLabels = [
      ...autoLabels,
      ...(id === undefined ? [] : [WORKER_ID_LABEL]),
      ...own.map(([label]) => label),
    ];
  }

  /**
   * Throws when `name` would join a family of another type, help or unit, or write a sample name
   * that another family (of this runtime or an included registry) writes.
   */
  checkFamily(name: string, shape: MetricShape, where: string): void {
    const existing = this.families.get(name);
    if (existing) {
      if (sameFamily(existing.shape, shape)) return;
      throw new Error(
        familyConflictMessage(
          name,
          existing.where,
          describeShape(existing.shape),
          where,
          describeShape(shape),
        ),
      );
    }
    const external = this.externalSamples();
    for (const sample of sampleNames(name, metricType(shape.kind))) {
      const owner = this.samples.get(sample);
      if (owner !== undefined) {
        throw new Error(
          sampleNameConflictMessage(name, sample, owner, this.families.get(owner)!.where),
        );
      }
      const theirs = external.get(sample);
      if (theirs && theirs.owner === name)
        throw new Error(externalConflictMessage(name, theirs.source));
      if (theirs)
        throw new Error(sampleNameConflictMessage(name, sample, theirs.owner, theirs.source));
    }
  }

  addFamily(name: string, shape: MetricShape, where: string): void {
    if (this.families.has(name)) return;
    this.families.set(name, { shape, where });
    for (const sample of sampleNames(name, metricType(shape.kind))) this.samples.set(sample, name);
  }

  /** Adds a registry to the root scrape; throws if it writes a sample name already written. */
  includeRegistry(registry: PromClientRegistry, source: string): void {
    if (this.registries.some((included) => included.registry === registry)) return;
    const external = this.externalSamples();
    for (const metric of registry.getMetricsAsArray()) {
      for (const sample of sampleNames(metric.name, toMetricType(metric.type))) {
        const owner = this.samples.get(sample);
        if (owner !== undefined) {
          const where = this.families.get(owner)!.where;
          const ours = where === 'the runtime' ? 'this runtime' : `${where} of this runtime`;
          throw new Error(includeConflictMessage(source, metric.name, sample, owner, ours));
        }
        const theirs = external.get(sample);
        if (theirs)
          throw new Error(
            includeConflictMessage(source, metric.name, sample, theirs.owner, theirs.source),
          );
      }
    }
    this.registries.push({ registry, source });
  }

  /** Reserves a `dynamo_namespace` value: `a` → `b` and a top-level `a_b` would both be `a_b`. */
  claimNamespacePath(path: string, description: string): void {
    const existing = this.namespacePaths.get(path);
    if (existing !== undefined) {
      throw new Error(namespacePathConflictMessage(path, existing, description));
    }
    this.namespacePaths.set(path, description);
  }

  /**
   * Logs a problem unless `source` (a callback, a registry; by default the message itself) last
   * reported the same one, so a failing scrape cannot flood the log.
   */
  warn(message: string, source: unknown = message): void {
    if (this.warnings.get(source) === message) return;
    if (this.warnings.size >= WARNINGS_REMEMBERED) this.warnings.clear();
    this.warnings.set(source, message);
    try {
      this.logger.warn(message);
    } catch {
      // A broken logger must not break a scrape.
    }
  }

  /** `source` works again: its next failure is logged even if it is the same as the last. */
  recovered(source: unknown): void {
    this.warnings.delete(source);
  }

  /** Sample names written by the included registries' metrics, with their owner. */
  private externalSamples(): Map<string, { owner: string; source: string }> {
    const samples = new Map<string, { owner: string; source: string }>();
    for (const { registry, source } of this.registries) {
      for (const metric of registry.getMetricsAsArray()) {
        for (const sample of sampleNames(metric.name, toMetricType(metric.type))) {
          samples.set(sample, { owner: metric.name, source });
        }
      }
    }
    return samples;
  }
}
