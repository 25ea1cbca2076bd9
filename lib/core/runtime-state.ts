import {
  externalConflictMessage,
  familyConflictMessage,
  invalidWorkerIdMessage,
  namespacePathConflictMessage,
} from './core.messages';
import { ByteWriter } from './byte-writer';
import { WORKER_ID_LABEL } from './core.constants';
import type { MetricsLogger } from './interfaces/exposition.interface';
import { describeShape, sameFamily, type MetricShape } from './metric-shape';
import type { PromClientRegistry } from './prom-client-bridge';

/** What all levels of one runtime share. @internal */
export class RuntimeState {
  /** Every family name in the runtime, with the first shape and where it was registered. */
  readonly families = new Map<string, { shape: MetricShape; where: string }>();
  /** prom-client registries merged into the root scrape. */
  readonly registries: { registry: PromClientRegistry; source: string }[] = [];
  /** Pairs added to every series (`worker_id` when enabled). */
  readonly globalLabels: readonly (readonly [string, string])[];
  readonly reservedLabels: readonly string[];
  private readonly namespacePaths = new Map<string, string>();
  private readonly warned = new Set<string>();
  /** Shared by every scrape of this runtime; each render is one synchronous step. */
  readonly writer = new ByteWriter();

  constructor(
    private readonly logger: MetricsLogger,
    autoLabels: readonly string[],
    workerId: string | number | bigint | undefined,
  ) {
    const id = workerId === undefined ? undefined : formatWorkerId(workerId);
    this.globalLabels = id === undefined ? [] : [[WORKER_ID_LABEL, id]];
    this.reservedLabels = id === undefined ? autoLabels : [...autoLabels, WORKER_ID_LABEL];
  }

  /** Throws when `name` would join a family of another type, help or unit, or clash with a registry. */
  checkFamily(name: string, shape: MetricShape, where: string): void {
    const existing = this.families.get(name);
    if (existing && !sameFamily(existing.shape, shape)) {
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
    for (const { registry, source } of this.registries) {
      if (registry.getSingleMetric(name)) throw new Error(externalConflictMessage(name, source));
    }
  }

  addFamily(name: string, shape: MetricShape, where: string): void {
    if (!this.families.has(name)) this.families.set(name, { shape, where });
  }

  /** Reserves a `dynamo_namespace` value: `a` → `b` and a top-level `a_b` would both be `a_b`. */
  claimNamespacePath(path: string, description: string): void {
    const existing = this.namespacePaths.get(path);
    if (existing !== undefined)
      throw new Error(namespacePathConflictMessage(path, existing, description));
    this.namespacePaths.set(path, description);
  }

  /** Logs a problem once per distinct message, so a failing scrape cannot flood the log. */
  warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    try {
      this.logger.warn(message);
    } catch {
      // A broken logger must not break a scrape.
    }
  }
}

function formatWorkerId(value: string | number | bigint): string {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    return value.toString(16);
  if (typeof value === 'bigint' && value >= 0n) return value.toString(16);
  throw new Error(invalidWorkerIdMessage(value));
}
