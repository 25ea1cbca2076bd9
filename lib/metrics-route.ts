import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { DistributedRuntime } from './core/distributed-runtime';
import { contentTypeOf, negotiateFormat } from './core/negotiate-format';
import { DEFAULT_METRICS_PATH } from './dynamo-metrics.constants';
import { scrapeFailedMessage } from './dynamo-metrics.messages';
import { MODULE_OPTIONS_TOKEN } from './dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from './interfaces';

/** What the route handlers need of a request and a response, on either adapter. */
interface Exchange {
  accept: string | undefined;
  send(status: number, contentType: string, body: Buffer | string): void;
}

/**
 * Mounts the scrape route straight on the HTTP server (Express or Fastify) rather than as a Nest
 * controller: no global guard, interceptor or pipe runs for it, it is never counted in the
 * request metrics, and the global prefix applies only when asked. Mounted from the module's
 * `configure()`, before Nest registers the app's routes, so none of them (`/:slug`) shadows it.
 */
@Injectable()
export class MetricsRoute {
  private readonly logger = new Logger('DynamoMetrics');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ApplicationConfig,
    private readonly runtime: DistributedRuntime,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DynamoMetricsModuleOptions,
  ) {}

  /** The path the scrape is served on, or `undefined` when none is mounted. */
  path: string | undefined;

  mount(): void {
    const adapter = this.adapterHost?.httpAdapter;
    const path = this.options.path ?? DEFAULT_METRICS_PATH;
    if (!adapter || path === false) return;
    this.path = fullPath(this.options.useGlobalPrefix ? this.config.getGlobalPrefix() : '', path);
    const instance = adapter.getInstance();
    if (adapter.getType() === 'fastify') {
      instance.get(this.path, (request: FastifyRequestLike, reply: FastifyReplyLike) =>
        this.serve({
          accept: request.headers.accept,
          send: (status, type, body) => reply.code(status).header('content-type', type).send(body),
        }),
      );
    } else {
      instance.get(this.path, (request: NodeRequestLike, response: ExpressResponseLike) =>
        this.serve({
          accept: request.headers.accept,
          send: (status, type, body) => response.status(status).set('content-type', type).end(body),
        }),
      );
    }
  }

  private async serve(exchange: Exchange): Promise<void> {
    const format = negotiateFormat(exchange.accept);
    try {
      const body = await this.runtime.prometheusExpfmtBytes(format);
      exchange.send(200, contentTypeOf(format), body);
    } catch (error) {
      // Dynamo's answer; the cause goes to the log, not to the scraper.
      this.logger.error(scrapeFailedMessage(error));
      exchange.send(500, 'text/plain; charset=utf-8', 'Failed to get metrics');
    }
  }
}

function fullPath(prefix: string, path: string): string {
  const parts = [prefix, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  return '/' + parts.join('/');
}

interface NodeRequestLike {
  headers: { accept?: string };
}
interface FastifyRequestLike {
  headers: { accept?: string };
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  send(body: Buffer | string): unknown;
}
interface ExpressResponseLike {
  status(status: number): ExpressResponseLike;
  set(name: string, value: string): ExpressResponseLike;
  end(body: Buffer | string): unknown;
}
