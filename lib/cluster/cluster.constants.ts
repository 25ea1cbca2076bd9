/** The IPC messages between a cluster's primary and its workers. Not exported from the package. */
export const SCRAPE_REQUEST = 'dynamo-metrics:scrape';
export const SCRAPE_RESPONSE = 'dynamo-metrics:scrape-result';

/** The primary asks a worker for its scrape. Not exported from the package. */
export interface ScrapeRequest {
  type: typeof SCRAPE_REQUEST;
  id: number;
}

/** A worker's answer: its runtime's text, and how prom-client wants its own metrics merged. Not exported from the package. */
export interface ScrapeResponse {
  type: typeof SCRAPE_RESPONSE;
  id: number;
  text?: string;
  /** prom-client's `aggregator` of the metrics of the included registries, by name. */
  aggregators?: Record<string, string>;
  error?: string;
}

/** How long the primary waits for each worker. */
export const DEFAULT_WORKER_TIMEOUT_MS = 2000;
