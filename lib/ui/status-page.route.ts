import { Inject, Injectable } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost } from '@nestjs/core';
import { DEFAULT_UI_PATH } from '../dynamo-metrics.constants';
import { MODULE_OPTIONS_TOKEN } from '../dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from '../interfaces';
import { STATUS_PAGE_CSP, renderStatusPage } from './status-page.html';
import {
  invalidUiMessage,
  uiOnScrapePathMessage,
  uiWithoutScrapeMessage,
} from './status-page.messages';

/**
 * The opt-in live page (`ui: true` or a path): one self-contained HTML document that polls the
 * scrape route and draws it. Mounted straight on the HTTP server like the scrape route, so no
 * guard, interceptor or request metric applies to it; the page holds no data, the scrape it
 * reads keeps its own protection. Not exported from the package.
 */
@Injectable()
export class StatusPageRoute {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly config: ApplicationConfig,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DynamoMetricsModuleOptions,
  ) {}

  /** The path the page is served on, or `undefined` when none is mounted. */
  path: string | undefined;

  /** Mounts the page, given the scrape route's full path (`undefined` when it has none). */
  mount(scrapePath: string | undefined): void {
    const { ui } = this.options;
    const adapter = this.adapterHost?.httpAdapter;
    if (ui === undefined || ui === false || !adapter) return;
    if (ui !== true && (typeof ui !== 'string' || ui.replace(/\/+/g, '') === ''))
      throw new Error(invalidUiMessage(ui));
    const prefix = this.options.useGlobalPrefix ? this.config.getGlobalPrefix() : '';
    const path = fullPath(prefix, ui === true ? DEFAULT_UI_PATH : ui);
    if (scrapePath === undefined) throw new Error(uiWithoutScrapeMessage(path));
    if (scrapePath === path) throw new Error(uiOnScrapePathMessage(path));
    this.path = path;
    // Built once; relative, so the page also works behind a proxy that adds a path prefix.
    const page = renderStatusPage(relativeUrl(path, scrapePath));
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': STATUS_PAGE_CSP,
      'x-content-type-options': 'nosniff',
    };
    const instance = adapter.getInstance();
    if (adapter.getType() === 'fastify') {
      instance.get(path, (_request: unknown, reply: FastifyReplyLike) =>
        reply.code(200).headers(headers).send(page),
      );
    } else {
      instance.get(path, (_request: unknown, response: ExpressResponseLike) =>
        response.status(200).set(headers).end(page),
      );
    }
  }
}

function fullPath(prefix: string, path: string): string {
  const parts = [prefix, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean);
  return '/' + parts.join('/');
}

/** `to` relative to the directory of `from`: `/metrics/ui` → `/metrics` is `../metrics`. */
export function relativeUrl(from: string, to: string): string {
  const depth = from.split('/').length - 2;
  return '../'.repeat(depth) + to.replace(/^\//, '');
}

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: string): unknown;
}
interface ExpressResponseLike {
  status(status: number): ExpressResponseLike;
  set(values: Record<string, string>): ExpressResponseLike;
  end(body: string): unknown;
}
