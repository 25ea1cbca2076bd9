import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { FrontendExchange, type RawResponse } from './frontend-exchange';
import { FrontendMetadataAccessor } from './frontend-metadata.accessor';
import { FrontendMetrics } from './frontend-metrics';
import { rememberFrontendRequest } from './frontend-request-handles';
import { recordMediaParts } from './media-parts';
import { frontendRecordingFailedMessage, invalidEndpointMessage } from './frontend.messages';
import type { DynamoFrontendOptions, FrontendHttpRequest, FrontendRequestType } from './interfaces';

/** Nest's route metadata on a handler (stable since Nest 5). */
const PATH_METADATA = 'path';

type Options = DynamoFrontendOptions<FrontendHttpRequest>;
type Handler = (...args: never[]) => unknown;
type Class = abstract new (...args: never[]) => unknown;

/** A `@DynamoFrontend()` handler, prepared once. Not exported from the package. */
export interface FrontendRoute {
  readonly endpoint: string;
  readonly sse: boolean;
  readonly model: Options['model'];
  readonly requestType: Options['requestType'];
  readonly inputTokens: Options['inputTokens'];
  readonly countTokens: Options['countTokens'];
  readonly errorType: Options['errorType'];
}

/**
 * The `@DynamoFrontend()` handlers: found at start-up (so the frontend families are in the scrape
 * from the start), each prepared once, and where each request begins its exchange. Not exported
 * from the package.
 */
@Injectable()
export class FrontendRoutes implements OnModuleInit {
  private readonly logger = new Logger('DynamoMetrics');
  private failureLogged = false;
  /**
   * By handler function (a wrapper that copies the metadata, as `@DynamoEndpoint()`'s, is a
   * handler of its own): one options object may be shared by several handlers, SSE and not.
   */
  private readonly routes = new WeakMap<Handler, FrontendRoute>();
  readonly report = (error: unknown) => {
    if (this.failureLogged) return;
    this.failureLogged = true;
    this.logger.error(frontendRecordingFailedMessage(error));
  };

  constructor(
    private readonly metrics: FrontendMetrics,
    private readonly accessor: FrontendMetadataAccessor,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    let found = false;
    for (const wrapper of this.discovery.getControllers()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype) continue;
      const prototype = Object.getPrototypeOf(instance);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as Handler;
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
        if (this.route(handler, metatype as Class)) found = true;
      }
    }
    if (found) this.metrics.register();
  }

  /** The prepared route of a handler, or `undefined` if it has no `@DynamoFrontend()`. */
  route(handler: Handler, target: Class): FrontendRoute | undefined {
    let route = this.routes.get(handler);
    if (route === undefined) {
      const options = this.accessor.frontend(target, handler) as Options | undefined;
      if (options === undefined) return undefined;
      if (typeof options.endpoint !== 'string' || options.endpoint === '') {
        throw new Error(invalidEndpointMessage(options.endpoint));
      }
      route = {
        endpoint: options.endpoint,
        sse: this.accessor.sse(handler),
        model: options.model,
        requestType: options.requestType,
        inputTokens: options.inputTokens,
        countTokens: options.countTokens,
        errorType: options.errorType,
      };
      this.routes.set(handler, route);
    }
    return route;
  }

  /**
   * Begins one request to `route` (its arrival at the handler): counted as started now if its
   * request type is known, else once the handler's result shows it.
   */
  begin(
    route: FrontendRoute,
    request: FrontendHttpRequest,
    response: RawResponse,
  ): FrontendExchange {
    const model = modelOf(route, request, this.report);
    let type = requestTypeOf(route, request, this.report);
    const decided = type !== undefined;
    type ??= 'unary';
    const handle = this.metrics.open(model, route.endpoint, type, decided);
    try {
      rememberFrontendRequest(request, handle);
      try {
        recordMediaParts(handle, request.body);
      } catch (error) {
        this.report(error);
      }
      try {
        const input = route.inputTokens?.(request);
        if (input !== undefined) handle.inputTokens(input);
      } catch (error) {
        this.report(error);
      }
      return new FrontendExchange(
        handle,
        route,
        decided,
        this.metrics.isServed(model),
        response,
        this.report,
      );
    } catch (error) {
      // Its gauges must not stay up: recorded as an internal failure, and the request goes on
      // (the interceptor reports the error).
      handle.fail('internal');
      throw error;
    }
  }
}

function modelOf(
  route: FrontendRoute,
  request: FrontendHttpRequest,
  report: (error: unknown) => void,
): string | undefined {
  const { model } = route;
  if (typeof model === 'string') return model;
  if (typeof model === 'function') {
    try {
      const name = model(request);
      return typeof name === 'string' ? name : undefined;
    } catch (error) {
      report(error);
      return undefined;
    }
  }
  const name = request.body?.model;
  return typeof name === 'string' ? name : undefined;
}

/** The request type when something says it; `undefined` leaves it to what the handler returns. */
function requestTypeOf(
  route: FrontendRoute,
  request: FrontendHttpRequest,
  report: (error: unknown) => void,
): FrontendRequestType | undefined {
  const { requestType } = route;
  let type: unknown = requestType;
  if (typeof requestType === 'function') {
    try {
      type = requestType(request);
    } catch (error) {
      report(error);
      type = undefined;
    }
  }
  if (type === 'stream' || type === 'unary') return type;
  if (route.sse) return 'stream';
  const stream = request.body?.stream;
  return stream === true ? 'stream' : stream === false ? 'unary' : undefined;
}
