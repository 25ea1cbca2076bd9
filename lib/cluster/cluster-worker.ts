import type { DistributedRuntime } from '../core/distributed-runtime';
import type { PromClientRegistry } from '../core/prom-client-bridge';
import {
  SCRAPE_REQUEST,
  SCRAPE_RESPONSE,
  type ScrapeRequest,
  type ScrapeResponse,
} from './cluster.constants';

/**
 * In a `cluster` worker (or any child process with an IPC channel): answers the primary's
 * {@link ClusterMetrics} with this runtime's scrape. `registries` are the prom-client registries
 * the runtime includes, whose metrics' own `aggregator` the primary then applies. Returns a
 * function that stops answering (and lets the IPC channel go). Without an IPC channel, does
 * nothing.
 */
export function serveClusterScrapes(
  runtime: DistributedRuntime,
  registries: readonly PromClientRegistry[] = [],
): () => void {
  if (typeof process.send !== 'function') return () => {};
  const reply = (response: Omit<ScrapeResponse, 'type'>) => {
    try {
      process.send!({ type: SCRAPE_RESPONSE, ...response }, undefined, {}, () => {});
    } catch {
      // The primary is gone: nothing to answer.
    }
  };
  const listener = (message: unknown) => {
    const request = message as Partial<ScrapeRequest> | null;
    if (request?.type !== SCRAPE_REQUEST || typeof request.id !== 'number') return;
    const id = request.id;
    runtime.prometheusExpfmt('prometheus').then(
      (text) => reply({ id, text, aggregators: aggregatorsOf(registries) }),
      (error: unknown) =>
        reply({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  };
  process.on('message', listener);
  return () => {
    process.off('message', listener);
  };
}

function aggregatorsOf(registries: readonly PromClientRegistry[]): Record<string, string> {
  const aggregators: Record<string, string> = {};
  for (const registry of registries) {
    try {
      for (const metric of registry.getMetricsAsArray()) {
        const aggregator = (metric as { aggregator?: unknown }).aggregator;
        if (typeof aggregator === 'string') aggregators[metric.name] = aggregator;
      }
    } catch {
      // A registry that cannot list its metrics is left out of the scrape anyway.
    }
  }
  return aggregators;
}
