import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { DistributedRuntime } from './core/distributed-runtime';
import { contentTypeOf, negotiateFormat } from './core/negotiate-format';
import { DEFAULT_METRICS_PATH } from './dynamo-metrics.constants';
import { scrapeFailedMessage } from './dynamo-metrics.messages';
import { MODULE_OPTIONS_TOKEN } from './dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from './interfaces';
import { ScrapeAccess } from './scrape-access';

/** What the route handlers need of a request and a response, on either adapter. */
interface Exchange {
  accept: string | undefined;
  authorization: string | string[] | undefined;
  /** The adapter's own request and response, as a guard sees them. */
  request: unknown;
  response: unknown;
  send(
    status: number,
    contentType: string,
    body: Buffer | string,
    headers?: Record<string, string>,
  ): void;
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
    private readonly access: ScrapeAccess,
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
          authorization: request.headers.authorization,
          request,
          response: reply,
          send: (status, type, body, headers = {}) =>
            reply.code(status).headers(headers).header('content-type', type).send(body),
        }),
      );
    } else {
      instance.get(this.path, (request: NodeRequestLike, response: ExpressResponseLike) =>
        this.serve({
          accept: request.headers.accept,
          authorization: request.headers.authorization,
          request,
          response,
          send: (status, type, body, headers = {}) =>
            response.status(status).set(headers).set('content-type', type).end(body),
        }),
      );
    }
  }

  private async serve(exchange: Exchange): Promise<void> {
    if (this.access.enabled) {
      const denial = await this.access.check(
        exchange.authorization,
        exchange.request,
        exchange.response,
      );
      if (denial)
        return exchange.send(
          denial.status,
          denial.headers['content-type'],
          denial.body,
          denial.headers,
        );
    }
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
  headers: { accept?: string; authorization?: string };
}
interface FastifyRequestLike {
  headers: { accept?: string; authorization?: string };
}
interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: Buffer | string): unknown;
}
interface ExpressResponseLike {
  status(status: number): ExpressResponseLike;
  set(name: string, value: string): ExpressResponseLike;
  set(values: Record<string, string>): ExpressResponseLike;
  end(body: Buffer | string): unknown;
}
