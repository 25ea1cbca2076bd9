/// <reference types="node" preserve="true" />
import type { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import {
  BYTES_IN,
  closed,
  REPORTS_CLOSE,
  STATE,
  type RequestState,
  type Tracked,
} from './request-state';

// Body bytes are counted as the parser pushes them, without reading the stream (a `data`
// listener would start it flowing and take the body from whoever reads it later); response
// bytes as they are written, whatever writes them (serializers, pipes, SSE). Where possible this
// is set up once per server or app: a property added to a request or response while it is
// served costs it a new hidden class, microseconds on an Express object whose prototype changed.

type Write = ServerResponse['write'];
type End = ServerResponse['end'];
type Push = IncomingMessage['push'];
type RawRequest = IncomingMessage & Tracked;
type RawResponse = ServerResponse & Tracked;
/** What a server constructs its responses with (Node passes options the typings leave out). */
type ResponseClass = new (request: IncomingMessage, options?: object) => ServerResponse;

/**
 * Makes a Node HTTP(S) server build its requests and responses from subclasses that count their
 * bytes and carry the state slots from birth, by replacing the classes it was created with (its
 * `IncomingMessage` / `ServerResponse` options). Returns false, changing nothing, for a server
 * that keeps no such classes (HTTP/2): its responses are then counted one by one.
 */
export function countServer(server: object): boolean {
  const requestKey = classKey(server, 'IncomingMessage');
  const responseKey = classKey(server, 'ServerResponse');
  if (requestKey === undefined || responseKey === undefined) return false;
  const keys = server as Record<symbol, unknown>;
  const Request = keys[requestKey] as typeof IncomingMessage;
  const Response = keys[responseKey] as typeof ServerResponse;
  if ((Request as { counting?: true }).counting) return true;

  // The slots exist from birth; the counting methods are the ones Express's prototypes get.
  class CountingIncomingMessage extends Request {
    static readonly counting = true;
    [STATE]: RequestState | undefined = undefined;
    [BYTES_IN] = 0;
  }
  class CountingServerResponse extends Response {
    [STATE]: RequestState | undefined = undefined;
  }
  countAllBodies(CountingIncomingMessage.prototype);
  instrumentResponses(CountingServerResponse.prototype);
  keys[requestKey] = CountingIncomingMessage;
  keys[responseKey] = CountingServerResponse;
  return true;
}

/**
 * Makes a Node HTTP(S) server build its requests and responses with an Express app's prototypes
 * and the state slots from birth. Express changes each one's prototype, which leaves every
 * property access on it missing V8's caches; born with it, Express's change is a no-op. Returns
 * false, changing nothing, where the objects would not come out the same (see `safeToBear`).
 * Should building one fail later, it is built as Node builds it, the server goes back to Node's
 * classes and `onFallback` is told, once.
 */
export function bornWithPrototypes(
  server: object,
  requestPrototype: IncomingMessage,
  responsePrototype: ServerResponse,
  onFallback: (error: unknown) => void = () => {},
): boolean {
  const requestKey = classKey(server, 'IncomingMessage');
  const responseKey = classKey(server, 'ServerResponse');
  if (requestKey === undefined || responseKey === undefined) return false;
  const keys = server as unknown as Record<symbol, unknown>;
  const Request = keys[requestKey] as typeof IncomingMessage;
  const Response = keys[responseKey] as ResponseClass;
  if (Request.prototype === requestPrototype && Response.prototype === responsePrototype)
    return true;
  // Node's own classes only: those are known to be callable on an object made beforehand.
  if (Request !== IncomingMessage || Response !== (ServerResponse as unknown)) return false;

  // The probe below runs once; what is added to Express's prototypes later (an accessor over a
  // property Node's constructors set) can make building an object this way throw, inside Node's
  // parser, where nothing would catch it. Then the object is built as Node builds it, and so is
  // every later one of this server (the probe's verdict no longer holds).
  let armed = false;
  let fellBack = false;
  const fallBack = (error: unknown) => {
    if (keys[requestKey] === BornRequest) keys[requestKey] = Request;
    if (keys[responseKey] === ExpressServerResponse) keys[responseKey] = Response;
    if (fellBack) return;
    fellBack = true;
    try {
      onFallback(error);
    } catch {
      // Logging must not fail the request.
    }
  };
  // Node's constructors run on an object `new` made from `prototype`. Linked to them
  // as classes are, so that V8 gives the objects room for all their properties: otherwise they
  // turn into slow dictionaries.
  /* eslint-disable prefer-rest-params */
  function ExpressIncomingMessage(this: RawRequest) {
    try {
      Request.apply(this, arguments as never);
    } catch (error) {
      if (!armed) throw error; // the probe's own build
      fallBack(error);
      return Reflect.construct(Request, arguments) as RawRequest;
    }
    this[STATE] = undefined;
    this[BYTES_IN] = 0;
  }
  function ExpressServerResponse(this: RawResponse) {
    try {
      Response.apply(this, arguments as never);
    } catch (error) {
      if (!armed) throw error;
      fallBack(error);
      return Reflect.construct(Response, arguments) as RawResponse;
    }
    this[STATE] = undefined;
  }
  /* eslint-enable prefer-rest-params */
  ExpressIncomingMessage.prototype = requestPrototype;
  ExpressServerResponse.prototype = responsePrototype;
  Object.setPrototypeOf(ExpressIncomingMessage, Request);
  Object.setPrototypeOf(ExpressServerResponse, Response);
  const BornRequest = ExpressIncomingMessage as unknown as typeof IncomingMessage;
  if (!safeToBear(Request, BornRequest, Response, responsePrototype)) return false;
  armed = true;
  keys[requestKey] = BornRequest;
  keys[responseKey] = ExpressServerResponse;
  // Requests handed to 'upgrade' and 'connect' listeners never reach Express: they keep Node's
  // prototype, as before (Express's getters, such as `query`, cannot be assigned).
  const emitter = server as EventEmitter;
  // An `emit` of the server's own, if it had one; otherwise the prototype's as it is when called
  // (tracing tools patch `Server.prototype.emit`, maybe after this).
  const ownEmit = Object.prototype.hasOwnProperty.call(server, 'emit') ? emitter.emit : undefined;
  emitter.emit = function (this: EventEmitter, event: string | symbol, request?: unknown) {
    if (
      (event === 'upgrade' || event === 'connect') &&
      typeof request === 'object' &&
      request !== null &&
      Object.getPrototypeOf(request) === requestPrototype
    )
      Object.setPrototypeOf(request, Request.prototype);
    const emit = ownEmit ?? (Object.getPrototypeOf(this) as EventEmitter).emit;
    // eslint-disable-next-line prefer-rest-params
    return emit.apply(this, arguments as never);
  };
  return true;
}

/**
 * Whether objects born with Express's prototypes come out as Node's own would: no accessor or
 * read-only property of Express's prototypes takes over what Node's constructors set. A request
 * is built both ways and compared; a response is not built (its constructor reports to
 * diagnostics channels), so its prototype may hold no accessor and no read-only property at all.
 */
function safeToBear(
  Request: typeof IncomingMessage,
  BornRequest: typeof IncomingMessage,
  Response: ResponseClass,
  responsePrototype: ServerResponse,
): boolean {
  if (!(BornRequest.prototype instanceof Request)) return false;
  if (!(responsePrototype instanceof Response)) return false;
  for (let o = responsePrototype; o !== Response.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Reflect.ownKeys(o)) {
      // An accessor has no `writable` either.
      if (!Object.getOwnPropertyDescriptor(o, key)!.writable) return false;
    }
  }
  const ownKeys = (value: object) =>
    Reflect.ownKeys(value)
      .filter((key) => key !== STATE && key !== BYTES_IN)
      .map(String)
      .join();
  try {
    const socket = new Socket();
    return ownKeys(new Request(socket)) === ownKeys(new BornRequest(socket));
  } catch {
    return false;
  }
}

/** Tells a tracked response's state that it finished or closed (no listener per response). */
function reportEnd(response: RawResponse, event: 'finish' | 'close'): void {
  const state = response[STATE];
  if (state === undefined) return;
  if (event === 'finish') state.finished = true;
  else closed(state, response);
}

function classKey(server: object, name: string): symbol | undefined {
  return Object.getOwnPropertySymbols(server).find(
    (key) =>
      key.description === name && typeof (server as Record<symbol, unknown>)[key] === 'function',
  );
}

/**
 * Counts the bytes written to every tracked response made from `prototype` (Express's
 * `app.response`, or a server's response subclass) and records its request when it closes.
 * `apply(this, arguments)` passes the arguments on as they came, with no array per call.
 */
export function instrumentResponses(prototype: ServerResponse): void {
  const write = prototype.write;
  const end = prototype.end;
  const emit = prototype.emit;
  /* eslint-disable prefer-rest-params */
  prototype.write = function (this: RawResponse, chunk: unknown, encoding?: unknown) {
    const state = this[STATE];
    if (state === undefined) return write.apply(this, arguments as never);
    const open = isOpen(this);
    const result = write.apply(this, arguments as never);
    if (open) addSent(state, this, byteLength(chunk, encoding));
    return result;
  } as Write;
  prototype.end = function (this: RawResponse, chunk?: unknown, encoding?: unknown) {
    const state = this[STATE];
    if (state === undefined || typeof chunk === 'function')
      return end.apply(this, arguments as never);
    const open = isOpen(this);
    const result = end.apply(this, arguments as never);
    if (open) addSent(state, this, byteLength(chunk, encoding));
    return result;
  } as End;
  prototype.emit = function (this: RawResponse, event: string | symbol) {
    if (event === 'finish' || event === 'close') reportEnd(this, event);
    return emit.apply(this, arguments as never);
  };
  /* eslint-enable prefer-rest-params */
  (prototype as Tracked)[REPORTS_CLOSE] = true;
}

/**
 * Counts the body bytes of every request made from `prototype` (Express's `app.request`, or a
 * server's request subclass) whose `BYTES_IN` was set.
 */
export function countAllBodies(prototype: IncomingMessage): void {
  const push = prototype.push;
  prototype.push = function (this: RawRequest, chunk: unknown, encoding?: BufferEncoding) {
    // The end of the body (null) needs no look at the request: one access less per request.
    if (chunk !== null && chunk !== undefined) {
      const counted = this[BYTES_IN];
      if (counted !== undefined) this[BYTES_IN] = counted + byteLength(chunk, encoding);
    }
    return push.call(this, chunk, encoding);
  } as Push;
}

/**
 * Counts the bytes written to one response, by giving it counting `write` and `end` methods
 * that call those it had (another library's, maybe).
 */
export function countWrites(state: RequestState, response: ServerResponse): void {
  if (response.write === (countingWrite as Write)) return;
  state.write = response.write;
  state.end = response.end;
  // Shared functions, not closures: tracking costs no allocation beyond the state.
  response.write = countingWrite as Write;
  response.end = countingEnd as End;
}

/**
 * Counts the bytes written to a response from its birth on, whatever state it gets later, by
 * giving it counting `write` and `end` methods that call its prototype's: set before any
 * middleware wraps them (compression writes through the methods it found), they count what
 * reaches the connection, as a counting prototype does.
 */
export function countAllWrites(response: ServerResponse): void {
  response.write = prototypeWrite as Write;
  response.end = prototypeEnd as End;
}

/** Counts the body bytes of one raw request from now on (and those already buffered). */
export function countBody(request: IncomingMessage): void {
  const tracked = request as RawRequest & { push: unknown };
  if (Object.prototype.hasOwnProperty.call(tracked, 'push')) return;
  tracked[BYTES_IN] = request.readableLength;
  tracked.push = countingPush;
}

function countingPush(this: RawRequest, chunk: unknown, encoding?: BufferEncoding): boolean {
  if (chunk !== null && chunk !== undefined)
    this[BYTES_IN] = (this[BYTES_IN] ?? 0) + byteLength(chunk, encoding);
  return (Object.getPrototypeOf(this) as { push: Push }).push.call(this, chunk, encoding);
}

function countingWrite(this: RawResponse, ...args: Parameters<Write>): boolean {
  return countedWrite(this, this[STATE]!.write!, args);
}

function countingEnd(this: RawResponse, ...args: unknown[]): ServerResponse {
  return countedEnd(this, this[STATE]!.end!, args);
}

function prototypeWrite(this: RawResponse, ...args: Parameters<Write>): boolean {
  return countedWrite(this, (Object.getPrototypeOf(this) as ServerResponse).write, args);
}

function prototypeEnd(this: RawResponse, ...args: unknown[]): ServerResponse {
  return countedEnd(this, (Object.getPrototypeOf(this) as ServerResponse).end, args);
}

function countedWrite(response: RawResponse, write: Write, args: Parameters<Write>): boolean {
  const state = response[STATE];
  // Inside the response's own `end` (HTTP/2's and light-my-request's write the last chunk
  // through `write`): `end` counts it.
  if (state === undefined || state.ending) return write.apply(response, args);
  const open = isOpen(response);
  const result = write.apply(response, args);
  if (open) addSent(state, response, byteLength(args[0], args[1]));
  return result;
}

function countedEnd(response: RawResponse, end: End, args: unknown[]): ServerResponse {
  const state = response[STATE];
  const call = end as (...a: unknown[]) => ServerResponse;
  if (state === undefined || state.ending || typeof args[0] === 'function')
    return call.apply(response, args);
  const open = isOpen(response);
  state.ending = true;
  let result: ServerResponse;
  try {
    result = call.apply(response, args);
  } finally {
    state.ending = false;
  }
  if (open) addSent(state, response, byteLength(args[0], args[1]));
  return result;
}

/** Whether a write now would reach the response's own code: not after its end, not destroyed. */
function isOpen(response: RawResponse): boolean {
  return !response.finished && !(response as { destroyed?: boolean }).destroyed;
}

/**
 * Adds `bytes` just written by `response` for as far as they went: its connection, or the
 * response's own buffer while it waits for the connection behind an earlier response
 * (pipelining: counted when its turn comes). Node drops the body of a HEAD, 204 or 304 answer,
 * and anything written once the connection is gone (until it learns of it, it still accepts it).
 */
function addSent(state: RequestState, response: RawResponse, bytes: number): void {
  if (bytes === 0 || (response as { _hasBody?: boolean })._hasBody === false) return;
  // HTTP/2's compatibility response gives its stream as a socket, `undefined` once closed.
  const socket = response.socket as { destroyed?: boolean } | null | undefined;
  if (socket === null) state.pendingBytes += bytes;
  else if (socket !== undefined && socket.destroyed !== true) state.responseBytes += bytes;
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
