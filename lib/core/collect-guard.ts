/** How one guarded part of a scrape ended. Not exported from the package. */
export type Outcome<T> =
  | { readonly status: 'done'; readonly value: T }
  | { readonly status: 'failed'; readonly error: unknown }
  | { readonly status: 'late' };

interface Run {
  readonly settled: Promise<Outcome<unknown>>;
  /** A scrape gave up waiting: later scrapes skip it until it settles. */
  late: boolean;
}

const LATE: Outcome<never> = Object.freeze({ status: 'late' });

/**
 * Runs the parts of a scrape that other code supplies (callbacks, prom-client metrics) so that
 * none can block a scrape: each is given `timeoutMs`. Work still running from an earlier scrape
 * is not started again: a scrape that finds it late skips it at once, so a hanging callback
 * costs one timeout and never piles up calls; one that finds it in time waits for the same run.
 * Not exported from the package.
 */
export class CollectGuard {
  // Keyed by the source (a callback, a registry) and a variant: the format asked of an expfmt
  // callback (its text is not another format's), the name of a registry's metric.
  private readonly runs = new WeakMap<object, Map<string, Run>>();

  constructor(readonly timeoutMs: number) {}

  async run<T>(source: object, work: () => T | PromiseLike<T>, variant = ''): Promise<Outcome<T>> {
    let run = this.runs.get(source)?.get(variant);
    if (run?.late) return LATE;
    if (run === undefined) {
      let result: T | PromiseLike<T>;
      try {
        result = work();
      } catch (error) {
        return { status: 'failed', error };
      }
      // Synchronous work has finished: no timer, no bookkeeping.
      if (!isThenable(result)) return { status: 'done', value: result };
      run = this.start(source, variant, result);
    }
    return this.wait(run) as Promise<Outcome<T>>;
  }

  private start(source: object, variant: string, work: PromiseLike<unknown>): Run {
    let runs = this.runs.get(source);
    if (runs === undefined) this.runs.set(source, (runs = new Map()));
    const run: Run = {
      late: false,
      // Handles a late rejection too, so a skipped run never becomes an unhandled rejection.
      settled: Promise.resolve(work)
        .then(
          (value): Outcome<unknown> => ({ status: 'done', value }),
          (error: unknown): Outcome<unknown> => ({ status: 'failed', error }),
        )
        .finally(() => runs.delete(variant)),
    };
    runs.set(variant, run);
    return run;
  }

  private async wait(run: Run): Promise<Outcome<unknown>> {
    if (this.timeoutMs === Infinity) return run.settled;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome<unknown>>((resolve) => {
      timer = setTimeout(() => {
        run.late = true;
        resolve(LATE);
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([run.settled, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
