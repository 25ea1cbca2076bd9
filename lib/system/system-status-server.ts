/// <reference types="node" preserve="true" />
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ExpositionFormat } from '../core/interfaces/exposition.interface';
import { contentTypeOf, negotiateFormat } from '../core/negotiate-format';
import type { ScrapeGate, ScrapeGuardCall } from './scrape-gate';
import { SYSTEM_METRICS_PATH, type SystemServerConfig } from './system-config';
import type { SystemHealth } from './system-health';
import { listenFailedMessage, systemScrapeFailedMessage } from './system.messages';

/** What the system status server needs around it. */
export interface SystemStatusServerDeps {
  config: SystemServerConfig;
  health: SystemHealth;
  /** The process's whole scrape (the runtime's `prometheusExpfmtBytes`). */
  scrape: (format: ExpositionFormat) => Promise<Buffer>;
  /** Protects `/metrics`; none when absent. */
  gate?: ScrapeGate;
  /** The user's guard for one request, if any. */
  guardOf?: (request: IncomingMessage, response: ServerResponse) => ScrapeGuardCall | undefined;
  /** Told about failed scrapes (the scraper only sees `Failed to get metrics`). */
  error: (message: string) => void;
}

const TEXT = 'text/plain; charset=utf-8';

/** How long {@link SystemStatusServer.close} lets requests being answered finish. */
export const CLOSE_GRACE_MS = 1000;

/**
 * Dynamo's system status server: `GET /metrics`, the health and live probes, and
 * `404 Route not found` for anything else, on its own port. A known path asked with another
 * method than GET or HEAD gets `405` with `Allow`, as Dynamo's server (axum) answers.
 */
export class SystemStatusServer {
  private server: Server | undefined;
  private boundPort: number | undefined;
  /** Scrapes of `/metrics` started so far: a scrape answers a waiter only if it started after it. */
  private scrapesStarted = 0;
  private readonly scrapeWaiters: { after: number; done: () => void }[] = [];

  constructor(private readonly deps: SystemStatusServerDeps) {}

  /**
   * Listens on the configured host and port (`0`: a free one); rejects naming both if it cannot.
   * Until {@link keepProcessAlive}, the server does not keep the process alive: an app whose
   * start fails leaves no server holding it.
   */
  async start(): Promise<void> {
    if (this.server) return;
    const { host, port } = this.deps.config;
    const server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(listenFailedMessage(host, port, error))));
      server.listen(port, host, () => resolve());
    });
    server.unref();
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
  }

  /** The app has started: from now on the server keeps the process alive, as any server does. */
  keepProcessAlive(): void {
    this.server?.ref();
  }

  /** The bound port, once started. */
  get port(): number | undefined {
    return this.boundPort;
  }

  /** `http://<host>:<port>` once started (the bind address as configured). */
  get url(): string | undefined {
    if (this.boundPort === undefined) return undefined;
    const host = this.deps.config.host.includes(':')
      ? `[${this.deps.config.host}]`
      : this.deps.config.host;
    return `http://${host}:${this.boundPort}`;
  }

  /** Resolves once a scrape of `/metrics` that started after this call was answered, or after `ms`. */
  waitForScrape(ms: number): Promise<void> {
    if (ms <= 0 || !this.server) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiters = this.scrapeWaiters;
      const waiter = { after: this.scrapesStarted, done };
      const timer = setTimeout(done, ms);
      waiters.push(waiter);
      function done() {
        clearTimeout(timer);
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        resolve();
      }
    });
  }

  /**
   * Stops listening and drops idle keep-alive connections; requests being answered get
   * {@link CLOSE_GRACE_MS} to finish, then their connections are closed too.
   */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.boundPort = undefined;
    await new Promise<void>((resolve) => {
      const grace = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      grace.unref();
      server.close(() => {
        clearTimeout(grace);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const { healthPath, livePath } = this.deps.config;
    const path = targetPath(request.url ?? '/');
    const known = path === SYSTEM_METRICS_PATH || path === healthPath || path === livePath;
    if (!known) return send(response, request, 404, TEXT, 'Route not found');
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return send(response, request, 405, TEXT, 'Method Not Allowed', { allow: 'GET, HEAD' });
    if (path === SYSTEM_METRICS_PATH) {
      void this.metrics(request, response);
      return;
    }
    const ready = this.deps.health.isReady();
    send(
      response,
      request,
      ready ? 200 : 503,
      'application/json',
      JSON.stringify(this.deps.health.report()),
    );
  }

  private async metrics(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = ++this.scrapesStarted;
    try {
      const denial = await this.deps.gate?.check(
        request.headers.authorization,
        this.deps.guardOf?.(request, response),
      );
      if (denial) return send(response, request, denial.status, TEXT, denial.body, denial.headers);
      const format = negotiateFormat(request.headers.accept);
      let body: Buffer;
      try {
        body = await this.deps.scrape(format);
      } catch (error) {
        // Dynamo's answer; the cause goes to the log, not to the scraper.
        this.deps.error(systemScrapeFailedMessage(error));
        return send(response, request, 500, TEXT, 'Failed to get metrics');
      }
      send(response, request, 200, contentTypeOf(format), body);
      // Only a GET delivered the metrics (a HEAD got none).
      if (request.method === 'GET')
        for (const waiter of [...this.scrapeWaiters]) if (waiter.after < started) waiter.done();
    } catch (error) {
      this.deps.error(systemScrapeFailedMessage(error));
      if (!response.headersSent) send(response, request, 500, TEXT, 'Failed to get metrics');
    }
  }
}

/** `http://` or `https://`, any case: the start of an absolute-form request target. */
const ABSOLUTE_FORM = /^https?:\/\//i;

/**
 * The path of a request target: `/metrics?x` in origin form, or `http://host:port/metrics?x` in
 * absolute form, which a server must accept (RFC 9112 §3.2.2; an empty path is `/`). Anything
 * else comes back as it is, to match no route.
 */
function targetPath(target: string): string {
  let start = 0;
  if (target.charCodeAt(0) !== SLASH) {
    const scheme = ABSOLUTE_FORM.exec(target);
    if (scheme === null) return target;
    start = scheme[0].length;
    // The authority ends at the path, or at the query of an empty path.
    while (start < target.length && target.charCodeAt(start) !== SLASH) {
      if (target.charCodeAt(start) === QUESTION_MARK) return '/';
      start++;
    }
    if (start === target.length) return '/';
  }
  const query = target.indexOf('?', start);
  return target.slice(start, query < 0 ? target.length : query);
}

const SLASH = 0x2f;
const QUESTION_MARK = 0x3f;

function send(
  response: ServerResponse,
  request: IncomingMessage,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed) return;
  response.writeHead(status, {
    ...headers,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}
