import { finalize, isObservable } from 'rxjs';
import type { Histogram } from './core/histogram';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Wraps a method so each call is observed in `histogram`, in seconds: until it returns, its
 * Promise settles or its Observable completes, errors or is unsubscribed. Results and errors
 * pass through unchanged. Not exported from the package.
 */
export function wrapTimed(method: Method, histogram: Histogram): Method {
  const timed = function (this: unknown, ...args: unknown[]): unknown {
    const start = performance.now();
    const observe = () => histogram.observe((performance.now() - start) / 1000);
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
