import type { MetricsLogger } from './exposition.interface';

/** Options of a {@link DistributedRuntime}. */
export interface DistributedRuntimeOptions {
  /**
   * Adds `worker_id` to every series (Dynamo's instance id). Numbers and bigints are written in
   * lower-case hex, strings as given. Off by default.
   */
  workerId?: string | number | bigint;
  /** Registers `dynamo_component_uptime_seconds`. Default `true`. */
  uptime?: boolean;
  /** Receives problems that do not throw (failed callbacks, late name clashes). Default `console`. */
  logger?: MetricsLogger;
}
