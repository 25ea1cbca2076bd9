import cluster from 'node:cluster';
import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { register } from 'prom-client';
import { DistributedRuntime } from '../core/distributed-runtime';
import { MODULE_OPTIONS_TOKEN } from '../dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from '../interfaces';
import { serveClusterScrapes } from './cluster-worker';

/**
 * In a `cluster` worker, answers the primary's `ClusterMetrics` with the app's scrape, from the
 * moment the runtime exists (the primary may ask before the app has started) until shutdown.
 * Not exported from the package.
 */
@Injectable()
export class ClusterWorkerHost implements OnApplicationShutdown {
  private readonly stop: (() => void) | undefined;

  constructor(
    runtime: DistributedRuntime,
    @Inject(MODULE_OPTIONS_TOKEN) options: DynamoMetricsModuleOptions,
  ) {
    if (options.cluster === false || !cluster.isWorker) return;
    this.stop = serveClusterScrapes(runtime, options.includeRegistries ?? [register]);
  }

  /** Lets the worker's IPC channel go, so a worker whose app closed can exit. */
  onApplicationShutdown(): void {
    this.stop?.();
  }
}
