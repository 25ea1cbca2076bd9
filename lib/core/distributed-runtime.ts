import { AUTO_LABELS, UPTIME_HELP, UPTIME_METRIC } from './core.constants';
import {
  externalConflictAtScrapeMessage,
  externalDuplicateAtScrapeMessage,
  readFailedMessage,
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
    super(
      new RuntimeState(
        options.logger ?? console,
        AUTO_LABELS,
        options.workerId,
        options.constLabels,
      ),
      [],
    );
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
    this.state.includeRegistry(registry, source);
  }

  /** @internal */
  protected override async externalFamilies(): Promise<ExternalFamily[]> {
    const families: ExternalFamily[] = [];
    for (const { registry, source } of this.state.registries) {
      try {
        const read = await readPromClientRegistry(registry, source, (message) =>
          this.state.warn(message),
        );
        families.push(...read);
        this.state.recovered(registry);
      } catch (error) {
        this.state.warn(readFailedMessage(source, error), registry);
      }
    }
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
