import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { WorkHandlerMetrics } from '../core/work-handler-metrics';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '../dynamo-metrics.constants';
import { DynamoMetricsExplorer, WORK_HANDLER_METRICS } from '../dynamo-metrics.explorer';
import { bornObjectsFailedMessage, invalidBooleanOptionMessage } from '../dynamo-metrics.messages';
import { MODULE_OPTIONS_TOKEN } from '../dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from '../interfaces';
import { firstFailureReporter } from '../recording-failures';
import {
  bornWithPrototypes,
  countAllBodies,
  countAllWrites,
  countBody,
  countServer,
  countWrites,
  instrumentResponses,
} from './node-http-hooks';
import {
  beginRequest,
  BYTES_IN,
  count,
  REPORTS_CLOSE,
  RequestState,
  track,
  type Tracked,
  STATE,
  type TrackedEndpoint,
  watchEnd,
} from './request-state';

/** The route-registration methods of Nest's HTTP adapters. */
const ROUTE_METHODS = [
  'get',
  'post',
  'put',
  'delete',
  'patch',
  'options',
  'head',
  'all',
  'search',
  'query',
  'propfind',
  'proppatch',
  'mkcol',
  'copy',
  'move',
  'lock',
  'unlock',
];

/** Key of the metrics in a Fastify route's `config`. */
const CONFIG_KEY = 'dynamoMetrics';

type AnyFunction = (...args: never[]) => unknown;
type Adapter = Record<string, unknown> & {
  getType(): string;
  getInstance(): unknown;
  getHttpServer?(): object | undefined;
};

/**
 * Measures the `@DynamoEndpoint()` routes at the HTTP server itself, with no Nest interceptor:
 * Express gets a wrapper around each instrumented route, Fastify route-level config read by a
 * few global hooks. Installed from the module's `configure()`, after the controllers exist and
 * before Nest registers their routes. An app without `@DynamoEndpoint()` is left untouched.
 * With `replaceServerClasses` (the default) bytes are counted by the classes or prototypes the
 * server builds its objects with; without, response by response. Not exported from the package.
 */
@Injectable()
export class HttpInstrumentation {
  private readonly logger = new Logger('DynamoMetrics');
  private readonly report = firstFailureReporter(this.logger);
  private readonly replaceServerClasses: boolean;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly explorer: DynamoMetricsExplorer,
    @Inject(MODULE_OPTIONS_TOKEN) options: DynamoMetricsModuleOptions,
  ) {
    const { replaceServerClasses } = options;
    if (replaceServerClasses !== undefined && typeof replaceServerClasses !== 'boolean') {
      throw new Error(invalidBooleanOptionMessage('replaceServerClasses', replaceServerClasses));
    }
    this.replaceServerClasses = replaceServerClasses !== false;
  }

  install(): void {
    const adapter = this.adapterHost?.httpAdapter as unknown as Adapter | undefined;
    if (!adapter || this.explorer.explore() === 0) return;
    if (adapter.getType() === 'fastify') this.installFastify(adapter);
    else this.installExpress(adapter);
  }

  private installExpress(adapter: Adapter): void {
    const app = adapter.getInstance() as ExpressApp;
    const report = this.report;
    const measuredRoutes = new WeakMap<object, TrackedEndpoint>();
    const byPrototypes = this.replaceServerClasses;
    if (byPrototypes) {
      const server = adapter.getHttpServer?.();
      const onFallback = (error: unknown) => this.logger.warn(bornObjectsFailedMessage(error));
      if (server && !bornWithPrototypes(server, app.request, app.response, onFallback)) {
        this.logger.debug?.(
          "Express: the app's server keeps its own request and response classes; Express " +
            'changes their prototypes per request, which makes them slower (counts are the same)',
        );
      }
      prepareExpress(app);
    } else {
      prepareExpressResponses(app);
    }
    this.patchRoutes(adapter, (_method, args, metrics) => {
      const handler = args[args.length - 1] as ExpressHandler;
      // Nest's version and host filters pass a request on to the next route synchronously, by
      // calling next(): the request is counted only if this route keeps it.
      const measured = (
        req: IncomingMessage & Tracked,
        res: ServerResponse & Tracked,
        next: (e?: unknown) => unknown,
      ) => {
        // Already tracked by a measured route that passed the request on asynchronously.
        if (res[STATE]) return handler(req, res, next);
        const state = new RequestState(metrics, req, report);
        req[STATE] = state;
        // On the response before the handler runs: Nest calls a handler without guards or
        // async pipes synchronously, and what it writes at once (`@Res()`) must count.
        res[STATE] = state;
        let passedOn = false;
        let returned = false;
        const result = handler(req, res, (error?: unknown) => {
          passedOn = true;
          req[STATE] = undefined;
          // Passed on at once: the next route counts it.
          if (!returned) res[STATE] = undefined;
          return next(error);
        });
        returned = true;
        if (!passedOn) {
          count(state, res);
          if (!byPrototypes) watchEnd(res);
        }
        return result;
      };
      measuredRoutes.set(measured, metrics);
      return [...args.slice(0, -1), measured];
    });
    // Express skips every route while an error is pending (a body that could not be parsed), so
    // such a request reaches Nest's error handler without its route: found here the way Express
    // would have found it, it still counts. Nothing is added to the requests that succeed.
    const setErrorHandler = adapter.setErrorHandler as AnyFunction | undefined;
    if (typeof setErrorHandler !== 'function') return;
    adapter.setErrorHandler = function (this: unknown, handler: AnyFunction, ...rest: unknown[]) {
      const counting = (
        error: unknown,
        req: IncomingMessage & Tracked,
        res: ServerResponse & Tracked,
        next: unknown,
      ) => {
        try {
          const metrics = res[STATE] ? undefined : routeMetrics(app, req, measuredRoutes);
          if (metrics) beginRequest(metrics, req, res, report, rejectionOf(error));
        } catch (failure) {
          report(failure);
        }
        return (handler as (...a: unknown[]) => unknown)(error, req, res, next);
      };
      return (setErrorHandler as (...a: unknown[]) => unknown).call(this, counting, ...rest);
    };
  }

  private installFastify(adapter: Adapter): void {
    const fastify = adapter.getInstance() as FastifyInstance;
    const report = this.report;
    // Counting set up once for the server; one by one for the responses of an HTTP/2 server, or
    // where the server keeps its classes.
    const countedByServer =
      this.replaceServerClasses && countServer(adapter.getHttpServer?.() ?? {});
    this.patchRoutes(adapter, (_method, args, metrics) => {
      const handler = args[args.length - 1] as object;
      const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {};
      Reflect.defineMetadata(
        FASTIFY_ROUTE_CONFIG_METADATA,
        { ...config, [CONFIG_KEY]: metrics },
        handler,
      );
      return args;
    });
    // Only the measured routes are touched, as Fastify registers them, each with its route's
    // metrics (reading `request.routeOptions` would build an object per request). On a counting
    // server the request is tracked when its handler is called (after the body, as on Express);
    // otherwise from an onRequest hook, which also hooks the response and the body.
    fastify.addHook('onRoute', (route) => {
      const metrics = route.config?.[CONFIG_KEY] as TrackedEndpoint | undefined;
      if (!metrics) return;
      if (countedByServer) {
        const handler = route.handler as (this: unknown, ...args: unknown[]) => unknown;
        route.handler = function (
          this: unknown,
          request: FastifyRequestLike,
          reply: { raw: ServerResponse },
        ) {
          const response = reply.raw as ServerResponse & Tracked;
          if (response[REPORTS_CLOSE] === true) {
            const state = new RequestState(metrics, request.raw, report);
            (request.raw as Tracked)[STATE] = state;
            track(state, response);
          } else {
            // Not made by the server (`fastify.inject()`, a second server): hooked one by one.
            beginHooked(metrics, request.raw, response, report);
          }
          return handler.call(this, request, reply);
        };
      } else {
        const onRequest = (
          request: FastifyRequestLike,
          reply: { raw: ServerResponse },
          done: () => void,
        ) => {
          beginHooked(metrics, request.raw, reply.raw, report);
          done();
        };
        route.onRequest = [...toArray(route.onRequest), onRequest];
      }
      // Nest answers handler errors itself; what reaches Fastify's error path came before the
      // handler (a body that cannot be parsed, a Fastify hook that failed).
      const onError = (
        request: FastifyRequestLike,
        reply: { raw: ServerResponse },
        error: unknown,
        done: () => void,
      ) => {
        beginRequest(metrics, request.raw, reply.raw, report, rejectionOf(error));
        done();
      };
      route.onError = [...toArray(route.onError), onError];
    });
  }

  /** Lets `instrument` change the arguments of each route registration of a measured handler. */
  private patchRoutes(
    adapter: Adapter,
    instrument: (method: string, args: unknown[], metrics: WorkHandlerMetrics) => unknown[],
  ): void {
    for (const method of ROUTE_METHODS) {
      const register = adapter[method];
      if (typeof register !== 'function') continue;
      adapter[method] = function (this: unknown, ...args: unknown[]) {
        const handler = args[args.length - 1];
        const metrics =
          typeof handler === 'function'
            ? (Reflect.getMetadata(WORK_HANDLER_METRICS, handler) as WorkHandlerMetrics | undefined)
            : undefined;
        return (register as AnyFunction).apply(
          this,
          (metrics ? instrument(method, args, metrics) : args) as never[],
        );
      };
    }
  }
}

/** Tracks a request whose request and response carry no counting methods of their own. */
function beginHooked(
  metrics: TrackedEndpoint,
  request: IncomingMessage,
  response: ServerResponse,
  report: (error: unknown) => void,
): void {
  const state = beginRequest(metrics, request, response, report);
  countWrites(state, response);
  countBody(request); // every request: HTTP/2 bodies come without content-length
}

function rejectionOf(error: unknown): RequestState['rejectedBefore'] {
  // A client gone while its body was read is a cancellation, not a rejected message.
  if (isAbortedBody(error)) return undefined;
  return isBodyError(error) ? 'deserialization' : 'invalid_message';
}

/** body-parser's error for a request aborted mid-body, or Node's own, which Fastify passes on. */
function isAbortedBody(error: unknown): boolean {
  const { type, code } = (error ?? {}) as { type?: unknown; code?: unknown };
  return type === 'request.aborted' || code === 'ECONNRESET';
}

/**
 * Body-parser and Fastify errors about the body itself; body-parser passes on the errors of a
 * gzip, deflate or brotli body that cannot be decompressed as zlib made them (`Z_DATA_ERROR`,
 * `ERR__ERROR_FORMAT_PADDING_1`).
 */
function isBodyError(error: unknown): boolean {
  const { type, code, name } = (error ?? {}) as { type?: unknown; code?: unknown; name?: unknown };
  return (
    (typeof type === 'string' && /^(entity\.|encoding\.|charset\.)/.test(type)) ||
    (typeof code === 'string' && /^(FST_ERR_CTP_|Z_|ERR__ERROR_)/.test(code)) ||
    name === 'SyntaxError'
  );
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

const preparedApps = new WeakSet<object>();

/**
 * Makes an Express app count the body and response bytes of its tracked requests, by counting
 * methods on its prototypes. A request not born with its slots (see `bornWithPrototypes`) gets
 * them before Express changes its prototype.
 */
function prepareExpress(app: ExpressApp): void {
  if (preparedApps.has(app)) return;
  preparedApps.add(app);
  instrumentResponses(app.response);
  countAllBodies(app.request);
  const handle = app.handle;
  app.handle = function (
    this: unknown,
    req: IncomingMessage & Tracked,
    res: ServerResponse & Tracked,
  ) {
    // Born with its slots: its body has been counted from the start.
    if (req[BYTES_IN] === undefined) {
      req[STATE] = undefined;
      req[BYTES_IN] = req.readableLength;
      res[STATE] = undefined;
    }
    // The arguments as they came: no rest array and no spread per request.
    // eslint-disable-next-line prefer-rest-params
    return handle.apply(this, arguments as never);
  };
}

const preparedResponses = new WeakSet<object>();

/**
 * Makes an Express app count the body and response bytes of its requests one by one, before any
 * middleware: a counting `push` on a request with a body, counting `write` and `end` on every
 * response (what they count depends on the state a measured route gives them). The app's
 * prototypes and the server's classes stay as they are.
 */
function prepareExpressResponses(app: ExpressApp): void {
  if (preparedResponses.has(app)) return;
  preparedResponses.add(app);
  const handle = app.handle;
  app.handle = function (this: unknown, req: IncomingMessage, res: ServerResponse) {
    // Only a request with Content-Length or Transfer-Encoding has a body (RFC 9112 §6.3).
    const headers = req.headers;
    if (headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined)
      countBody(req);
    countAllWrites(res);
    // eslint-disable-next-line prefer-rest-params
    return handle.apply(this, arguments as never);
  };
}

/** Whether a layer matches; a path it cannot decode (`%E0%A4%A`) matches none, as in Express. */
function matches(layer: ExpressLayer, path: string): boolean {
  try {
    return Boolean(layer.match(path));
  } catch {
    return false;
  }
}

/**
 * The metrics of the route Express would have chosen for `req`, if that route is measured. Of
 * routes that share a path and differ by version or host, the first is taken.
 */
function routeMetrics(
  app: ExpressApp,
  req: IncomingMessage,
  measuredRoutes: WeakMap<object, TrackedEndpoint>,
): TrackedEndpoint | undefined {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  for (const layer of (app.router ?? app._router)?.stack ?? []) {
    const route = layer.route;
    if (!route || !route._handlesMethod(req.method!) || !matches(layer, path)) continue;
    for (const { handle } of route.stack) {
      const metrics = measuredRoutes.get(handle);
      if (metrics) return metrics;
    }
    return undefined;
  }
  return undefined;
}

type ExpressHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (e?: unknown) => unknown,
) => unknown;
interface ExpressLayer {
  match(path: string): unknown;
  route?: { _handlesMethod(method: string): boolean; stack: { handle: object }[] };
}
interface ExpressApp {
  request: IncomingMessage;
  response: ServerResponse;
  handle: (req: IncomingMessage, res: ServerResponse, ...rest: unknown[]) => unknown;
  router?: { stack: ExpressLayer[] };
  _router?: { stack: ExpressLayer[] };
}
interface FastifyRequestLike {
  raw: IncomingMessage;
}
interface FastifyRoute {
  config?: Record<string, unknown>;
  handler?: unknown;
  onRequest?: unknown;
  preParsing?: unknown;
  onError?: unknown;
}
interface FastifyInstance {
  addHook(name: 'onRoute', hook: (route: FastifyRoute) => void): void;
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: { raw: ServerResponse }, done: () => void) => void,
  ): void;
  addHook(
    name: 'preParsing',
    hook: (
      request: FastifyRequestLike,
      reply: unknown,
      payload: NodeJS.ReadableStream,
      done: (error: null, payload: NodeJS.ReadableStream) => void,
    ) => void,
  ): void;
  addHook(
    name: 'onError',
    hook: (request: FastifyRequestLike, reply: unknown, error: unknown, done: () => void) => void,
  ): void;
}
