import type { MetricsLogger } from './exposition.interface';
import type { ConstLabels } from './metric-options.interface';

/** Options of a {@link DistributedRuntime}. */
export interface DistributedRuntimeOptions {
  /**
   * Adds `worker_id` to every series (Dynamo's instance id). Numbers and bigints are written in
   * lower-case hex, strings as given. Off by default.
   */
  workerId?: string | number | bigint;
  /**
   * Labels with a fixed value on every series of the runtime, after `worker_id` (as prom-client's
   * `setDefaultLabels`; included prom-client registries keep their own). Names may not be an auto
   * label, `worker_id` or `le`; a metric may not declare them again. None by default.
   */
  constLabels?: ConstLabels;
  /** Registers `dynamo_component_uptime_seconds`. Default `true`. */
  uptime?: boolean;
  /** Receives problems that do not throw (failed callbacks, late name clashes). Default `console`. */
  logger?: MetricsLogger;
}
