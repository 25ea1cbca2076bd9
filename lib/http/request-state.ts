import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WorkHandlerMetrics } from '../core/work-handler-metrics';

/** Where a request's state hangs on the request and response objects. Not exported from the package. */
export const STATE = Symbol('dynamo-metrics.request');
/** Body bytes received so far, on the raw request. Not exported from the package. */
export const BYTES_IN = Symbol('dynamo-metrics.bytes-in');

type Tracked = { [STATE]?: RequestState; [BYTES_IN]?: number };

/** An endpoint's metrics with its mapping of handler exceptions to `error_type`. Not exported from the package. */
export type TrackedEndpoint = WorkHandlerMetrics & {
  errorType?: (exception: unknown) => string | undefined;
};
type Write = ServerResponse['write'];
type End = ServerResponse['end'];

/**
 * One request to an instrumented route, from the moment it reaches the route until its response
 * is closed, however that happens. Handler wrappers and adapter hooks mark what happened; the
 * metrics are recorded once, when the response closes. Not exported from the package. */
export class RequestState {
  handlerStarted = false;
  handlerFailed = false;
  /** What the handler threw or rejected with. */
  exception: unknown;
  streamFailed = false;
  /** The body could not be parsed (set by the adapter) or another error came before the route. */
  rejectedBefore: 'deserialization' | 'invalid_message' | undefined;
  responseBytes = 0;
  private done = false;
  private readonly startedAt = performance.now();
  /** The response's own `write` and `end`, which the counting ones call. */
  write: Write;
  end: End;

  constructor(
    readonly metrics: TrackedEndpoint,
    private readonly request: IncomingMessage & Tracked,
    response: ServerResponse,
    /** Told when recording fails: it is logged, never thrown at the request. */
    readonly report: (error: unknown) => void,
  ) {
    this.write = response.write;
    this.end = response.end;
  }

  /** Records the request once; Dynamo's error types decided by what was marked. */
  finish(response: ServerResponse): void {
    if (this.done) return;
    this.done = true;
    const metrics = this.metrics;
    metrics.inflight.dec();
    metrics.duration.observe((performance.now() - this.startedAt) / 1000);
    metrics.requestBytes.incBy(this.request[BYTES_IN] ?? 0);
    metrics.responseBytes.incBy(this.responseBytes);
    const completed = response.writableFinished;
    const error = this.errorType(response.statusCode, completed);
    if (error) metrics.error(error);
    if (!completed && !this.streamFailed) metrics.cancellations.inc();
  }

  private errorType(status: number, completed: boolean): string | undefined {
    if (this.rejectedBefore) return this.rejectedBefore;
    if (this.streamFailed) return 'response_stream';
    if (this.handlerFailed) return this.metrics.errorType?.(this.exception) ?? 'generate';
    if (!this.handlerStarted && completed && status >= 400) return 'invalid_message';
    // The handler returned, then its response failed (an interceptor or serialization threw).
    if (this.handlerStarted && completed && status >= 500) return 'generate';
    return undefined;
  }
}

/**
 * Starts tracking a request that reached an instrumented route. `nestRequest` is what Nest hands
 * the handler (`req` on Express, Fastify's request object), for the handler wrapper to find.
 * A response is tracked once: a second call returns the first state.
 */
export function beginRequest(
  metrics: TrackedEndpoint,
  request: IncomingMessage,
  response: ServerResponse,
  report: (error: unknown) => void,
  nestRequest: object = request,
): RequestState {
  const tracked = (response as Tracked)[STATE];
  if (tracked) return tracked;
  const state = new RequestState(metrics, request, response, report);
  (nestRequest as Tracked)[STATE] = state;
  activate(state, response);
  return state;
}

/** Counts the request and hooks its response (once per response). */
export function activate(state: RequestState, response: ServerResponse): void {
  if ((response as Tracked)[STATE]) return;
  state.metrics.requests.inc();
  state.metrics.inflight.inc();
  (response as Tracked)[STATE] = state;
  // Shared functions, not closures: tracking costs no allocation beyond the state.
  response.write = countingWrite as Write;
  response.end = countingEnd as End;
  response.on('close', onClose); // 'close' comes once; `on` spares the wrapper `once` makes
}

/**
 * Counts the body bytes of a raw request as its parser pushes them, without reading the stream
 * (a `data` listener would start it flowing and take the body from whoever reads it later).
 */
export function countBody(request: IncomingMessage): void {
  const tracked = request as IncomingMessage & Tracked & { push: unknown };
  if (Object.prototype.hasOwnProperty.call(tracked, 'push')) return;
  tracked[BYTES_IN] = request.readableLength;
  tracked.push = countingPush;
}

function countingPush(
  this: IncomingMessage & Tracked,
  chunk: unknown,
  encoding?: BufferEncoding,
): boolean {
  if (chunk !== null && chunk !== undefined)
    this[BYTES_IN] = (this[BYTES_IN] ?? 0) + byteLength(chunk, encoding);
  return (
    Object.getPrototypeOf(this) as { push: (c: unknown, e?: BufferEncoding) => boolean }
  ).push.call(this, chunk, encoding);
}

function countingWrite(this: ServerResponse & Tracked, ...args: Parameters<Write>): boolean {
  const state = this[STATE]!;
  state.responseBytes += byteLength(args[0], args[1]);
  return state.write.apply(this, args);
}

function countingEnd(this: ServerResponse & Tracked, ...args: unknown[]): ServerResponse {
  const state = this[STATE]!;
  if (typeof args[0] !== 'function') state.responseBytes += byteLength(args[0], args[1]);
  return (state.end as (...a: unknown[]) => ServerResponse).apply(this, args);
}

function onClose(this: ServerResponse & Tracked): void {
  const state = this[STATE];
  try {
    state?.finish(this);
  } catch (error) {
    state?.report(error);
  }
}

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') {
    return Buffer.byteLength(
      chunk,
      typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
    );
  }
  if (ArrayBuffer.isView(chunk)) return chunk.byteLength;
  return 0;
}
