import { isObservable, tap } from 'rxjs';
import { stateOf, type RequestState } from './request-state';

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps a route handler so that the request's state learns that the handler ran, and whether
 * it threw, rejected, errored its Observable or its stream: what tells `generate` and
 * `response_stream` from a rejection by a guard or pipe. Nest passes the request as the extra
 * argument at `requestIndex`; the handler never sees it. Results and exceptions pass through.
 */
export function wrapHandler(handler: Handler, requestIndex: number): Handler {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const state = stateOf(args[requestIndex]);
    // Nest passes exactly one argument more; a direct call may pass fewer.
    if (args.length === requestIndex + 1) args.pop();
    else if (args.length > requestIndex) args.length = requestIndex;
    if (state === undefined) return handler.apply(this, args);
    state.handlerStarted = true;
    let result: unknown;
    try {
      result = handler.apply(this, args);
    } catch (error) {
      state.handlerFailed = true;
      state.exception = error;
      throw error;
    }
    return watch(result, state);
  };
  // Guards, interceptors and route metadata live on the function: the wrapper must carry them.
  for (const key of Reflect.getMetadataKeys(handler)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, handler), wrapped);
  }
  Object.defineProperty(wrapped, 'name', { value: handler.name });
  return wrapped;
}

function watch(result: unknown, state: RequestState): unknown {
  if (isObservable(result)) {
    return result.pipe(
      tap({
        error: (error: unknown) => {
          state.handlerFailed = true;
          state.exception = error;
        },
      }),
    );
  }
  if (isThenable(result)) {
    return result.then(
      (value) => watchStream(value, state),
      (error: unknown) => {
        state.handlerFailed = true;
        state.exception = error;
        throw error;
      },
    );
  }
  return watchStream(result, state);
}

// A StreamableFile (or anything with getStream()) that errors while it is sent.
function watchStream(value: unknown, state: RequestState): unknown {
  const stream = (value as { getStream?: () => unknown } | null)?.getStream?.();
  if (stream && typeof (stream as { once?: unknown }).once === 'function') {
    (stream as NodeJS.EventEmitter).once('error', () => (state.streamFailed = true));
  }
  return value;
}

function isThenable(value: unknown): value is Promise<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
