import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { WorkHandlerMetrics } from '../core/work-handler-metrics';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '../dynamo-metrics.constants';
import { DynamoMetricsExplorer, WORK_HANDLER_METRICS } from '../dynamo-metrics.explorer';
import { recordingFailedMessage } from '../dynamo-metrics.messages';
import {
  activate,
  beginRequest,
  countBody,
  RequestState,
  STATE,
  type TrackedEndpoint,
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
type Adapter = Record<string, unknown> & { getType(): string; getInstance(): unknown };

/**
 * Measures the `@DynamoEndpoint()` routes at the HTTP server itself, with no Nest interceptor:
 * Express gets a wrapper around each instrumented route, Fastify route-level config read by a
 * few global hooks. Installed from the module's `configure()`, after the controllers exist and
 * before Nest registers their routes. An app without `@DynamoEndpoint()` is left untouched.
 * Not exported from the package. */
@Injectable()
export class HttpInstrumentation {
  private readonly logger = new Logger('DynamoMetrics');
  private failureLogged = false;
  private readonly report = (error: unknown) => {
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.logger.error(recordingFailedMessage(error));
  };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly explorer: DynamoMetricsExplorer,
  ) {}

  install(): void {
    const adapter = this.adapterHost?.httpAdapter as unknown as Adapter | undefined;
    if (!adapter || this.explorer.explore() === 0) return;
    if (adapter.getType() === 'fastify') this.installFastify(adapter);
    else this.installExpress(adapter);
  }

  private installExpress(adapter: Adapter): void {
    const app = adapter.getInstance() as ExpressApp;
    const report = this.report;
    this.patchRoutes(adapter, (method, args, metrics) => {
      const handler = args[args.length - 1] as ExpressHandler;
      // Counts body bytes from the start: a layer on the route's path (a prefix match, so a few
      // other routes may pass it; counting is idempotent), moved to the front of the stack.
      app.use(args[0], countBodyBytes);
      const stack = app.router?.stack ?? app._router?.stack;
      if (stack) stack.unshift(stack.pop()!);
      // Express skips routes while an error is pending (a body that could not be parsed), so
      // such a request is caught by an error middleware on the route's path: it still counts.
      const httpMethod = method.toUpperCase();
      app.use(
        args[0],
        (error: unknown, req: ExpressRequest, res: ServerResponse, next: (e: unknown) => void) => {
          if (
            (httpMethod === 'ALL' || req.method === httpMethod) &&
            (req.path === '/' || req.path === '')
          ) {
            const state = beginRequest(metrics, req, res, report);
            state.rejectedBefore = isBodyError(error) ? 'deserialization' : 'invalid_message';
          }
          next(error);
        },
      );
      // Nest's version and host filters pass a request on to the next route synchronously, by
      // calling next(): the request is counted only if this route keeps it.
      const measured = (
        req: IncomingMessage & Tracked,
        res: ServerResponse & Tracked,
        next: (e?: unknown) => unknown,
      ) => {
        if (res[STATE]) return handler(req, res, next);
        const state = new RequestState(metrics, req, res, report);
        req[STATE] = state;
        let passedOn = false;
        const result = handler(req, res, (error?: unknown) => {
          passedOn = true;
          if (req[STATE] === state) req[STATE] = undefined;
          return next(error);
        });
        if (!passedOn) activate(state, res);
        return result;
      };
      return [...args.slice(0, -1), measured];
    });
  }

  private installFastify(adapter: Adapter): void {
    const fastify = adapter.getInstance() as FastifyInstance;
    const report = this.report;
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
    // Route-level hooks, added only to the measured routes as Fastify registers them.
    fastify.addHook('onRoute', (route) => {
      if (!route.config?.[CONFIG_KEY]) return;
      route.onRequest = [...toArray(route.onRequest), onRequest];
      route.onError = [...toArray(route.onError), onError];
    });
    function onRequest(
      request: FastifyRequestLike,
      reply: { raw: ServerResponse },
      done: () => void,
    ): void {
      const metrics = request.routeOptions!.config![CONFIG_KEY] as TrackedEndpoint;
      beginRequest(metrics, request.raw, reply.raw, report, request);
      if (hasBody(request.raw)) countBody(request.raw);
      done();
    }
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

/** Body-parser and Fastify errors about the body itself. */
function isBodyError(error: unknown): boolean {
  const { type, code, name } = (error ?? {}) as { type?: unknown; code?: unknown; name?: unknown };
  return (
    (typeof type === 'string' && /^(entity\.|encoding\.|charset\.)/.test(type)) ||
    (typeof code === 'string' && code.startsWith('FST_ERR_CTP_')) ||
    name === 'SyntaxError'
  );
}

function onError(
  request: FastifyRequestLike,
  _reply: unknown,
  error: unknown,
  done: () => void,
): void {
  const state = (request as Tracked)[STATE];
  // Nest answers handler errors itself; what reaches Fastify's error path came before.
  if (state && !state.handlerStarted) {
    state.rejectedBefore = isBodyError(error) ? 'deserialization' : 'invalid_message';
  }
  done();
}

function toArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

function hasBody(request: IncomingMessage): boolean {
  return (
    request.headers['content-length'] !== undefined ||
    request.headers['transfer-encoding'] !== undefined
  );
}

function countBodyBytes(req: IncomingMessage, _res: ServerResponse, next: () => void): void {
  if (hasBody(req)) countBody(req);
  next();
}

type Tracked = { [STATE]?: RequestState };
type ExpressHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (e?: unknown) => unknown,
) => unknown;
type ExpressRequest = IncomingMessage & { path: string };
interface ExpressApp {
  use(...args: unknown[]): void;
  router?: { stack: unknown[] };
  _router?: { stack: unknown[] };
}
interface FastifyRequestLike {
  raw: IncomingMessage;
  routeOptions?: { config?: Record<string, unknown> };
}
interface FastifyRoute {
  config?: Record<string, unknown>;
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
