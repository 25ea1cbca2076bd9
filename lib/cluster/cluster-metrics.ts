/// <reference types="node" preserve="true" />
import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregatorRegistry } from 'prom-client';
import { ByteWriter } from '../core/byte-writer';
import { COMPONENT_METRIC_PREFIX, UPTIME_METRIC } from '../core/core.constants';
import { renderExposition, type LevelView } from '../core/exposition';
import type { ExpositionFormat, MetricsLogger } from '../core/interfaces/exposition.interface';
import { contentTypeOf, negotiateFormat } from '../core/negotiate-format';
import {
  toExternalFamily,
  type ExternalFamily,
  type PromClientMetricJson,
} from '../core/prom-client-bridge';
import { clusterScrapeFailedMessage, workerMissedMessage } from './cluster.messages';
import {
  DEFAULT_WORKER_TIMEOUT_MS,
  SCRAPE_REQUEST,
  SCRAPE_RESPONSE,
  type ScrapeResponse,
} from './cluster.constants';
import { parseExposition, type ParsedFamily } from './exposition-parser';

/** Options of {@link ClusterMetrics}. */
export interface ClusterMetricsOptions {
  /** How long a scrape waits for each worker before leaving it out, in ms. Default `2000`. */
  workerTimeoutMs?: number;
  /** Told about workers left out of a scrape (once until they answer again). Default `console`. */
  logger?: MetricsLogger;
}

/** The primary's `/metrics` server, from {@link ClusterMetrics.listen}. */
export interface ClusterMetricsServer {
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

const EMPTY_LEVEL: LevelView = { metrics: new Map(), children: [] };
const SOURCE = 'the cluster workers';
/** The one gauge merged by its maximum: the runtime's uptime is its oldest worker's. */
const UPTIME = COMPONENT_METRIC_PREFIX + UPTIME_METRIC;

/**
 * On a `cluster` primary: one scrape of every worker's runtime, merged by prom-client's cluster
 * aggregation (`AggregatorRegistry.aggregate`): counters and histograms summed per label set,
 * gauges summed too except `dynamo_component_uptime_seconds` (the oldest worker's), metrics of
 * included prom-client registries by their own `aggregator`. Each worker process has its own
 * `worker_id` by default, so its `dynamo_component_*` series stay its own; what carries none
 * (the frontend's, or all with `workerId: false`) is merged. A live worker that does not answer within `workerTimeoutMs`
 * or fails counts with its last answer (logged once); one that has exited, or whose channel is
 * closed, is left out; the scrape goes on with the others.
 */
export class ClusterMetrics {
  private readonly timeoutMs: number;
  private readonly logger: MetricsLogger;
  private nextId = 0;
  /** Workers reported as missing, until they answer again. */
  private readonly missing = new Set<number>();
  /**
   * Each live worker's last answer, used while it is too slow to answer (a GC pause, a busy
   * loop): dropping a live worker from the sums would read as a counter reset to Prometheus.
   */
  private readonly lastAnswers = new Map<number, ScrapeResponse>();

  constructor(options: ClusterMetricsOptions = {}) {
    this.timeoutMs = options.workerTimeoutMs ?? DEFAULT_WORKER_TIMEOUT_MS;
    this.logger = options.logger ?? console;
  }

  /** The merged scrape of all workers, in the text format or OpenMetrics. */
  async scrape(format: ExpositionFormat = 'prometheus'): Promise<string> {
    return (await this.scrapeBytes(format)).toString();
  }

  /** {@link scrape} as UTF-8 bytes. */
  async scrapeBytes(format: ExpositionFormat = 'prometheus'): Promise<Buffer> {
    const workers = Object.values(cluster.workers ?? {}).filter(
      (worker): worker is Worker => worker !== undefined && worker.isConnected(),
    );
    for (const id of this.lastAnswers.keys())
      if (!workers.some((worker) => worker.id === id)) this.lastAnswers.delete(id);
    const answers = await Promise.all(workers.map((worker) => this.ask(worker)));
    const scrapes = answers.filter(
      (answer): answer is ScrapeResponse & { text: string } => answer !== undefined,
    );
    return mergeScrapes(scrapes, format, (message) => this.logger.warn(message));
  }

  /**
   * Serves `GET /metrics` (format negotiated from `Accept`) on the primary; anything else is
   * `404 Route not found`, a failed scrape `500 Failed to get metrics`. Port `0`: a free one.
   */
  async listen(port = 0, host = '0.0.0.0'): Promise<ClusterMetricsServer> {
    const server: Server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
        response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        response.end('Route not found');
        return;
      }
      const format = negotiateFormat(request.headers.accept);
      this.scrapeBytes(format).then(
        (body) => {
          response.writeHead(200, { 'content-type': contentTypeOf(format) });
          response.end(body);
        },
        (error: unknown) => {
          this.logger.warn(clusterScrapeFailedMessage(error));
          response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
          response.end('Failed to get metrics');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const bound = (server.address() as AddressInfo).port;
    return {
      port: bound,
      url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  }

  /**
   * One worker's scrape; its last one while it is alive but failed or took too long (`undefined`
   * if it never answered); `undefined` once it exited.
   */
  private ask(worker: Worker): Promise<ScrapeResponse | undefined> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const done = (answer: ScrapeResponse | undefined, problem?: string) => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onGone);
        worker.off('disconnect', onGone);
        if (answer) {
          this.missing.delete(worker.id);
          this.lastAnswers.set(worker.id, answer);
          return resolve(answer);
        }
        if (problem && !this.missing.has(worker.id)) {
          this.missing.add(worker.id);
          this.logger.warn(workerMissedMessage(worker.id, problem));
        }
        if (problem === undefined) this.lastAnswers.delete(worker.id);
        resolve(problem === undefined ? undefined : this.lastAnswers.get(worker.id));
      };
      const onMessage = (message: Partial<ScrapeResponse> | null) => {
        if (message?.type !== SCRAPE_RESPONSE || message.id !== id) return;
        if (typeof message.text === 'string') done(message as ScrapeResponse);
        else done(undefined, message.error ?? 'it sent no metrics');
      };
      // Gone for good: its series end (those without worker_id leave the sums).
      const onGone = () => done(undefined);
      const timer = setTimeout(
        () => done(undefined, `it did not answer within ${this.timeoutMs} ms`),
        this.timeoutMs,
      );
      worker.on('message', onMessage);
      worker.once('exit', onGone);
      worker.once('disconnect', onGone);
      // A channel that cannot take the request is closed: the worker has exited, or is exiting
      // and its 'exit' has not arrived yet (a scrape right after a SIGKILL). Gone, either way.
      try {
        worker.send({ type: SCRAPE_REQUEST, id }, (error: Error | null) => {
          if (error) onGone();
        });
      } catch {
        onGone();
      }
    });
  }
}

/**
 * Workers' scrapes as one, by prom-client's `AggregatorRegistry.aggregate`, rendered as one
 * runtime renders (families sorted, numbers as Dynamo writes them). Not exported from the package.
 */
export async function mergeScrapes(
  scrapes: readonly { text: string; aggregators?: Record<string, string> }[],
  format: ExpositionFormat,
  warn: (message: string) => void,
): Promise<Buffer> {
  const metrics = scrapes.map((scrape) =>
    toAggregatable(parseExposition(scrape.text), scrape.aggregators ?? {}),
  );
  const aggregated = await AggregatorRegistry.aggregate(metrics).getMetricsAsJSON();
  const externals: ExternalFamily[] = [];
  for (const metric of aggregated as unknown as PromClientMetricJson[]) {
    sortSeries(metric);
    const family = toExternalFamily(metric, SOURCE);
    if (typeof family === 'string') warn(family);
    else externals.push(family);
  }
  const out = new ByteWriter();
  renderExposition(out, EMPTY_LEVEL, format, externals);
  if (format === 'openmetrics') out.text('# EOF\n');
  return out.toBuffer();
}

/** prom-client's JSON with the `aggregator` each family is merged by. */
function toAggregatable(
  families: ParsedFamily[],
  aggregators: Record<string, string>,
): (ParsedFamily & { aggregator: string })[] {
  return families.map((family) => ({
    ...family,
    aggregator:
      aggregators[family.name] ??
      (family.type === 'gauge' && family.name === UPTIME ? 'max' : 'sum'),
  }));
}

/** Series in label order (as one runtime writes them), each series' samples kept together. */
function sortSeries(metric: PromClientMetricJson): void {
  const key = (labels: Record<string, unknown> = {}) =>
    Object.keys(labels)
      .filter((name) => name !== 'le' && name !== 'quantile')
      .sort()
      .map((name) => `${name}\u0000${String(labels[name])}`)
      .join('\u0001');
  metric.values?.sort((a, b) => {
    const left = key(a.labels);
    const right = key(b.labels);
    return left < right ? -1 : left > right ? 1 : 0;
  });
}
