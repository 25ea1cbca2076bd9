import { AUTO_LABELS, UPTIME_HELP, UPTIME_METRIC } from './core.constants';
import {
  externalConflictAtScrapeMessage,
  externalDuplicateAtScrapeMessage,
  includeConflictMessage,
} from './core.messages';
import type { DistributedRuntimeOptions } from './interfaces/distributed-runtime-options.interface';
import { Namespace } from './namespace';
import {
  readPromClientRegistry,
  type ExternalFamily,
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
  private readonly startedAt = performance.now();

  constructor(options: DistributedRuntimeOptions = {}) {
    super(new RuntimeState(options.logger ?? console, AUTO_LABELS, options.workerId), []);
    if (options.uptime !== false) {
      const uptime = this.createGauge(UPTIME_METRIC, UPTIME_HELP, { unit: 'seconds' });
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

  /** @internal */
  get description(): string {
    return 'the runtime';
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
    if (this.state.registries.some((included) => included.registry === registry)) return;
    for (const { name } of registry.getMetricsAsArray()) {
      const family = this.state.families.get(name);
      if (family)
        throw new Error(includeConflictMessage(source, name, `${family.where} of this runtime`));
      for (const included of this.state.registries) {
        if (included.registry.getSingleMetric(name))
          throw new Error(includeConflictMessage(source, name, included.source));
      }
    }
    this.state.registries.push({ registry, source });
  }

  /** @internal */
  protected override async externalFamilies(): Promise<ExternalFamily[]> {
    const families: ExternalFamily[] = [];
    const seen = new Map<string, string>();
    for (const { registry, source } of this.state.registries) {
      try {
        for (const family of await readPromClientRegistry(registry, source)) {
          const kept = seen.get(family.name);
          if (kept !== undefined) {
            this.state.warnOnce(externalDuplicateAtScrapeMessage(family.name, source, kept));
          } else {
            seen.set(family.name, source);
            families.push(family);
          }
        }
      } catch (error) {
        this.state.warnOnce(
          `Reading ${source} failed and it was left out of the scrape: ${String(error)}`,
        );
      }
    }
    return families;
  }

  /** @internal */
  protected override reportClash(family: ExternalFamily): void {
    this.state.warnOnce(externalConflictAtScrapeMessage(family.name, family.source));
  }
}
