import { finalize, isObservable } from 'rxjs';
import type { Histogram } from './core/histogram';
import type { ExemplarSource } from './trace-exemplars';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps a method so each call is observed in `histogram`, in seconds: until it returns, its
 * Promise settles or its Observable completes, errors or is unsubscribed. With `exemplar`, the
 * span active when the call starts is kept as the observation's exemplar. Results and errors
 * pass through unchanged. Not exported from the package.
 */
export function wrapTimed(method: Method, histogram: Histogram, exemplar?: ExemplarSource): Method {
  const timed = function (this: unknown, ...args: unknown[]): unknown {
    const start = performance.now();
    const labels = exemplar === undefined ? undefined : exemplar();
    const observe = () => {
      const seconds = (performance.now() - start) / 1000;
      if (labels === undefined) histogram.observe(seconds);
      else histogram.observeExemplar(seconds, labels);
    };
    let result: unknown;
    try {
      result = method.apply(this, args);
    } catch (error) {
      observe();
      throw error;
    }
    if (isObservable(result)) return result.pipe(finalize(observe));
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      return (result as Promise<unknown>).then(
        (value) => {
          observe();
          return value;
        },
        (error: unknown) => {
          observe();
          throw error;
        },
      );
    }
    observe();
    return result;
  };
  for (const key of Reflect.getMetadataKeys(method)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, method), timed);
  }
  Object.defineProperty(timed, 'name', { value: method.name });
  return timed;
}
