import { NAMESPACE_LABEL } from './core.constants';
import { sanitizeMetricName } from './naming';
import { RegistryLevel } from './registry-level';
import type { RuntimeState } from './runtime-state';

/**
 * Runtime-level metrics under a prefix of their own instead of `dynamo_component_`, like
 * Dynamo's HTTP frontend (`dynamo_frontend_*`): no auto labels and, as in Dynamo, no `worker_id`
 * (only the runtime's const labels, and `dynamo_namespace` when it was given one), part of the
 * runtime's scrape. Get one with `drt.prefixed(prefix)` or `drt.prefixed(prefix, namespace)`.
 */
export class PrefixedRegistry extends RegistryLevel {
  /** @internal */
  constructor(
    state: RuntimeState,
    /** Written before every name created here, e.g. `dynamo_frontend_`. */
    readonly prefix: string,
    /** The `dynamo_namespace` value on every series created here, if any. */
    readonly namespace?: string,
  ) {
    super(state, namespace === undefined ? [] : [[NAMESPACE_LABEL, namespace]]);
  }

  /** @internal */
  get description(): string {
    return this.namespace === undefined
      ? `the runtime's "${this.prefix}" metrics`
      : `the runtime's "${this.prefix}" metrics of namespace "${this.namespace}"`;
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
