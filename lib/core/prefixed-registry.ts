import { sanitizeMetricName } from './naming';
import { RegistryLevel } from './registry-level';
import type { RuntimeState } from './runtime-state';

/**
 * Runtime-level metrics under a prefix of their own instead of `dynamo_component_`, like
 * Dynamo's HTTP frontend (`dynamo_frontend_*`): no auto labels and, as in Dynamo, no `worker_id`
 * (only the runtime's const labels), part of the runtime's scrape. Get one with
 * `drt.prefixed(prefix)`.
 */
export class PrefixedRegistry extends RegistryLevel {
  /** @internal */
  constructor(
    state: RuntimeState,
    /** Written before every name created here, e.g. `dynamo_frontend_`. */
    readonly prefix: string,
  ) {
    super(state, []);
  }

  /** @internal */
  get description(): string {
    return `the runtime's "${this.prefix}" metrics`;
  }

  /** @internal */
  protected override get runtimeLabels(): readonly (readonly [string, string])[] {
    return this.state.constLabels;
  }

  /** @internal */
  protected override metricName(name: string): string {
    return this.prefix + sanitizeMetricName(name);
  }
}
