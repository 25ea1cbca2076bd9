import {
  AUTO_LABELS,
  SERIES_OVERFLOW_HELP,
  SERIES_OVERFLOW_LABEL,
  SERIES_OVERFLOW_METRIC,
  UPTIME_HELP,
  UPTIME_METRIC,
} from './core.constants';
import {
  collectFailedReason,
  collectTimedOutReason,
  externalConflictAtScrapeMessage,
  externalDuplicateAtScrapeMessage,
  externalInvalidMessage,
  invalidPrefixMessage,
  invalidPrefixNamespaceMessage,
  readFailedMessage,
  readTimedOutMessage,
} from './core.messages';
import type { DistributedRuntimeOptions } from './interfaces/distributed-runtime-options.interface';
import type { CounterVec } from './metric-vec';
import { Namespace } from './namespace';
import { isValidMetricName } from './naming';
import { PrefixedRegistry } from './prefixed-registry';
import {
  collectPromClientMetric,
  toExternalFamily,
  type ExternalFamily,
  type PromClientMetric,
  type PromClientRegistry,
} from './prom-client-bridge';
import { RegistryLevel } from './registry-level';
import { RuntimeState } from './runtime-state';

/**
 * The root of the hierarchy. Its own metrics carry no auto labels; its scrape covers every
 * namespace, component and endpoint, plus any included prom-client registries.
 */
export class DistributedRuntime extends RegistryLevel {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly prefixedRegistries = new Map<string, PrefixedRegistry>();
  private readonly startedAt = performance.now();

  constructor(options: DistributedRuntimeOptions = {}) {
    super(new RuntimeState(AUTO_LABELS, options), []);
    // Registered now, so that its name is taken, but a vec without series is not in the scrape:
    // it appears at the first overflow. No limits: its label values are metric names.
    this.state.seriesOverflow = this.registerNamed(
      SERIES_OVERFLOW_METRIC,
      'counter',
      true,
      SERIES_OVERFLOW_HELP,
      [SERIES_OVERFLOW_LABEL],
      { maxSeries: Infinity, maxLabelValueLength: Infinity },
    ) as CounterVec;
    if (options.uptime !== false) {
      const uptime = this.createGauge(UPTIME_METRIC, UPTIME_HELP);
      this.addUpdateCallback(() => uptime.set(this.uptimeSeconds()));
    }
  }

  /** The namespace of that name (sanitized), created once and cached. */
  namespace(name: string): Namespace {
    return this.child(
      this.namespaces,
      name,
      (sanitized) => new Namespace(this.state, undefined, sanitized),
    );
  }

  /**
   * Runtime-level metrics named `prefix` + the sanitized name (not `dynamo_component_` + name),
   * with no auto labels, in this runtime's scrape: e.g. `drt.prefixed('dynamo_frontend_')` for
   * Dynamo's frontend metrics. With `namespace`, every series also carries `dynamo_namespace`
   * with that value. Created once per prefix and namespace, and cached.
   */
  prefixed(prefix: string, namespace?: string): PrefixedRegistry {
    const key = namespace === undefined ? prefix : `${prefix}\0${namespace}`;
    let registry = this.prefixedRegistries.get(key);
    if (!registry) {
      if (typeof prefix !== 'string' || !isValidMetricName(prefix)) {
        throw new Error(invalidPrefixMessage(prefix));
      }
      if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
        throw new Error(invalidPrefixNamespaceMessage(namespace));
      }
      registry = new PrefixedRegistry(this.state, prefix, namespace);
      this.prefixedRegistries.set(key, registry);
      this.children.push(registry);
    }
    return registry;
  }

  /** @internal */
  get description(): string {
    return 'the runtime';
  }

  /** The series a vec holds before new label sets overflow, unless the metric sets `maxSeries`. */
  get maxSeriesPerMetric(): number {
    return this.state.maxSeriesPerMetric;
  }

  /** The longest label value a vec takes, unless the metric sets `maxLabelValueLength`. */
  get maxLabelValueLength(): number {
    return this.state.maxLabelValueLength;
  }

  /**
   * The `worker_id` on this runtime's hierarchy series: by default the process's id
   * (`defaultWorkerId()`), `undefined` with `workerId: false`.
   */
  get workerId(): string | undefined {
    return this.state.workerId;
  }

  /** Seconds since this runtime was created. */
  uptimeSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /**
   * Merges a prom-client registry (e.g. prom-client's global `register`, which
   * `@willsoto/nestjs-prometheus` uses) into this runtime's scrape. A name that exists on both
   * sides is an error here, or, for a metric added to the registry later, left out of the scrape
   * with a warning. Including the same registry twice has no effect.
   */
  includeRegistry(registry: PromClientRegistry, source = 'a prom-client registry'): void {
    this.state.includeRegistry(registry, source);
  }

  /** @internal */
  protected override async externalFamilies(): Promise<ExternalFamily[]> {
    const families: ExternalFamily[] = [];
    for (const { registry, source } of this.state.registries) {
      families.push(...(await this.readRegistry(registry, source)));
    }
    return families;
  }

  /**
   * Collects every metric of a registry at once (as prom-client does), each on its own under the
   * collect timeout, so one that throws or hangs is left out alone. When none could be read, the
   * registry is reported as a whole.
   */
  private async readRegistry(
    registry: PromClientRegistry,
    source: string,
  ): Promise<ExternalFamily[]> {
    const { guard } = this.state;
    let metrics: PromClientMetric[];
    try {
      metrics = registry.getMetricsAsArray();
    } catch (error) {
      this.state.warn(readFailedMessage(source, error), registry);
      return [];
    }
    // Keyed by registry and name: a metric in two registries is collected with each one's labels.
    const outcomes = await Promise.all(
      metrics.map((metric) =>
        guard.run(registry, () => collectPromClientMetric(registry, metric), metric.name),
      ),
    );
    if (outcomes.length > 0 && outcomes.every((outcome) => outcome.status !== 'done')) {
      const first = outcomes[0];
      this.state.warn(
        first.status === 'failed'
          ? readFailedMessage(source, first.error)
          : readTimedOutMessage(source, guard.timeoutMs),
        registry,
      );
      return [];
    }
    this.state.recovered(registry);
    const families: ExternalFamily[] = [];
    outcomes.forEach((outcome, i) => {
      const metric = metrics[i];
      if (outcome.status !== 'done') {
        const why =
          outcome.status === 'failed'
            ? collectFailedReason(outcome.error)
            : collectTimedOutReason(guard.timeoutMs);
        this.state.warn(externalInvalidMessage(metric.name, source, why), metric);
        return;
      }
      this.state.recovered(metric);
      if (outcome.value === undefined) return;
      const family = toExternalFamily(outcome.value, source);
      if (typeof family === 'string') this.state.warn(family);
      else families.push(family);
    });
    return families;
  }

  /** @internal */
  protected override reportClash(family: ExternalFamily, owner: string): void {
    this.state.warn(
      owner === ''
        ? externalConflictAtScrapeMessage(family.name, family.source)
        : externalDuplicateAtScrapeMessage(family.name, family.source, owner),
    );
  }
}
