/// <reference types="node" preserve="true" />
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ExemplarLabels } from '../core/exemplar';
import type { WorkHandlerMetrics } from '../core/work-handler-metrics';
import type { ExemplarSource } from '../trace-exemplars';

/**
 * Where a request's state hangs on the request and response objects. Not exported from the
 * package.
 */
export const STATE = Symbol('dynamo-metrics.request');
/**
 * On a response prototype whose `emit` reports 'finish' and 'close' itself (see
 * `node-http-hooks.ts`). Not exported from the package.
 */
export const REPORTS_CLOSE = Symbol('dynamo-metrics.reports-close');
/** Body bytes received so far, on the raw request. Not exported from the package. */
export const BYTES_IN = Symbol('dynamo-metrics.bytes-in');

/** A raw request or response that may carry a state. Not exported from the package. */
export type Tracked = { [STATE]?: RequestState; [BYTES_IN]?: number; [REPORTS_CLOSE]?: true };

/**
 * An endpoint's metrics with its mapping of handler exceptions to `error_type`. Not exported
 * from the package.
 */
export type TrackedEndpoint = WorkHandlerMetrics & {
  errorType?: (
    exception: unknown,
    request: IncomingMessage,
    response: ServerResponse,
  ) => string | undefined;
  /** Reads the active span's exemplar when a request starts; `undefined`: exemplars are off. */
  exemplar?: ExemplarSource;
};

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
  /** Body bytes the response handed to its connection. */
  responseBytes = 0;
  /** Body bytes written while the response waited for its connection (see `awaitTurn`). */
  pendingBytes = 0;
  /**
   * The response emitted 'finish', as its prototype or a listener reports it. On HTTP/2, where
   * no 'finish' tells it, it is read from `writableFinished` at close.
   */
  finished = false;
  private done = false;
  private readonly startedAt = performance.now();
  /** The response's own `write` and `end`, which the counting ones call (see `countWrites`). */
  write: ServerResponse['write'] | undefined;
  end: ServerResponse['end'] | undefined;
  /** Inside the response's own `end`, whose writes its caller's bytes already counted. */
  ending = false;
  /** The span active when the request started: its duration may be observed outside it. */
  private readonly exemplar: ExemplarLabels | undefined;

  constructor(
    readonly metrics: TrackedEndpoint,
    readonly request: IncomingMessage & Tracked,
    /** Told when recording fails: it is logged, never thrown at the request. */
    readonly report: (error: unknown) => void,
  ) {
    const source = metrics.exemplar;
    this.exemplar = source === undefined ? undefined : source();
  }

  /** Records the request once; Dynamo's error types decided by what was marked. */
  finish(response: ServerResponse): void {
    if (this.done) return;
    this.done = true;
    const metrics = this.metrics;
    metrics.inflight.dec();
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (this.exemplar === undefined) metrics.duration.observe(seconds);
    else metrics.duration.observeExemplar(seconds, this.exemplar);
    metrics.requestBytes.incBy(this.request[BYTES_IN] ?? 0);
    metrics.responseBytes.incBy(this.responseBytes);
    const completed = this.finished;
    const error = this.errorType(response, completed);
    if (error) metrics.error(error);
    if (!completed && !this.streamFailed) metrics.cancellations.inc();
  }

  private errorType(response: ServerResponse, completed: boolean): string | undefined {
    if (this.rejectedBefore) return this.rejectedBefore;
    if (this.streamFailed) return 'response_stream';
    if (this.handlerFailed)
      return this.metrics.errorType?.(this.exception, this.request, response) ?? 'generate';
    const status = response.statusCode;
    if (!this.handlerStarted && completed && status >= 400) return 'invalid_message';
    // The handler returned, then its response failed (an interceptor or serialization threw).
    if (this.handlerStarted && completed && status >= 500) return 'generate';
    return undefined;
  }
}

/**
 * Starts tracking a request that reached an instrumented route; the state hangs on the raw
 * request, where the handler wrapper finds it. A response is tracked once: a second call returns
 * the first state. Listens for the response to close unless its prototype reports it.
 */
export function beginRequest(
  metrics: TrackedEndpoint,
  request: IncomingMessage,
  response: ServerResponse,
  report: (error: unknown) => void,
  rejected?: RequestState['rejectedBefore'],
): RequestState {
  const tracked = (response as Tracked)[STATE];
  if (tracked) {
    if (rejected && !tracked.handlerStarted) tracked.rejectedBefore = rejected;
    return tracked;
  }
  const state = new RequestState(metrics, request, report);
  // Marked before tracking: a response already closed is recorded at once.
  state.rejectedBefore = rejected;
  (request as Tracked)[STATE] = state;
  track(state, response);
  if ((response as Tracked)[REPORTS_CLOSE] !== true) watchEnd(response);
  return state;
}

/** Listens for a response's end, where its prototype does not report it (see `reportEnd`). */
export function watchEnd(response: ServerResponse): void {
  // Each comes once; `on` spares the wrapper `once` makes. Node marks an HTTP/1 response ended
  // on a connection already gone `writableFinished`, though it never emits 'finish': the event
  // tells.
  if (response instanceof ServerResponse) response.on('finish', onFinish);
  response.on('close', onClose);
}

/**
 * The state of the request Nest hands a handler: Express's `req` is the raw request, Fastify's
 * request object holds it as `raw` (a property added to Fastify's own object would cost it a
 * new hidden class per request).
 */
export function stateOf(request: unknown): RequestState | undefined {
  const tracked = request as (Tracked & { raw?: Tracked }) | null | undefined;
  return tracked?.[STATE] ?? tracked?.raw?.[STATE];
}

/**
 * Counts the request of an untracked response, with as few property accesses as can be: on an
 * Express response not born with its prototype (see `bornWithPrototypes`) each misses V8's caches.
 */
export function track(state: RequestState, response: ServerResponse): void {
  (response as Tracked)[STATE] = state;
  count(state, response);
}

/** {@link track} for a response that already carries `state` (its writes count already). */
export function count(state: RequestState, response: ServerResponse): void {
  state.metrics.requests.inc();
  state.metrics.inflight.inc();
  // A client gone while the request waited (an async middleware) closed it already. HTTP/2's
  // compatibility response has no `destroyed` (asked only then: one access less on Express).
  const destroyed = response.destroyed as boolean | undefined;
  if (destroyed || (destroyed === undefined && streamOf(response)?.destroyed))
    closed(state, response);
  else if (response.socket === null) awaitTurn(state, response);
}

/** The responses of a connection that wait for their turn on it, by response. */
const QUEUED = Symbol('dynamo-metrics.queued');
type Connection = Socket & { [QUEUED]?: Map<ServerResponse, RequestState> };

/**
 * Watches a response that waits behind an earlier one on its connection (HTTP/1 pipelining):
 * what it wrote so far is counted once it gets the connection, and if the connection closes
 * first the request is recorded as cancelled (Node never closes such a response).
 */
function awaitTurn(state: RequestState, response: ServerResponse): void {
  const connection = state.request.socket as Connection | null;
  if (!connection || connection.destroyed) return closed(state, response);
  let queue = connection[QUEUED];
  if (queue === undefined) {
    const waiting = (queue = connection[QUEUED] = new Map());
    connection.once('close', () => {
      for (const [queued, queuedState] of waiting) closed(queuedState, queued);
      waiting.clear();
    });
  }
  queue.set(response, state);
  response.once('socket', onTurn);
}

function onTurn(this: ServerResponse & Tracked, socket: Connection): void {
  socket[QUEUED]?.delete(this);
  const state = this[STATE];
  if (state === undefined) return;
  if (!socket.destroyed) state.responseBytes += state.pendingBytes;
  state.pendingBytes = 0;
}

/** Records the response's request once it closed; a failure is reported, never thrown. */
export function closed(state: RequestState, response: ServerResponse): void {
  try {
    state.finish(response);
  } catch (error) {
    state.report(error);
  }
}

function onFinish(this: ServerResponse & Tracked): void {
  const state = this[STATE];
  if (state !== undefined) state.finished = true;
}

function onClose(this: ServerResponse & Tracked): void {
  const state = this[STATE];
  if (state === undefined) return;
  // HTTP/2 has no 'finish' to listen for: asked now. A stream reset by the client reads as
  // finished: its `aborted` tells.
  const stream = streamOf(this);
  if (!state.finished && stream !== undefined)
    state.finished = this.writableFinished && stream.aborted !== true;
  closed(state, this);
}

/** The HTTP/2 stream behind a compatibility response; `undefined` on HTTP/1. */
function streamOf(
  response: ServerResponse,
): { destroyed?: boolean; aborted?: boolean } | undefined {
  return (response as { stream?: { destroyed?: boolean; aborted?: boolean } }).stream;
}
