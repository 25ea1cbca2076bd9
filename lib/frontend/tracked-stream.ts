import type { FrontendExchange } from './frontend-exchange';

/**
 * A stream the handler returned (async iterable, Node `Readable`), read through: each chunk is
 * recorded as Nest takes it to send. Nest stops it (`return()`, `destroy()`) when the client goes
 * away; that is passed on. Not exported from the package.
 */
export class TrackedStream implements AsyncIterable<unknown> {
  constructor(
    private readonly source: AsyncIterable<unknown>,
    private readonly exchange: FrontendExchange,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<unknown> {
    const iterator = this.source[Symbol.asyncIterator]();
    const exchange = this.exchange;
    // Made once per stream. They watch each result beside Nest rather than in front of it: Nest
    // gets the source's own promise, so a chunk costs no extra promise turn on its way out, and
    // they run first (registered first), as the chunk is taken to be sent.
    const onResult = (result: IteratorResult<unknown>) => {
      if (result.done) exchange.streamDone();
      else exchange.chunk(result.value);
    };
    const onError = (error: unknown) => exchange.failed(error);
    return {
      next: () => {
        let result: Promise<IteratorResult<unknown>>;
        try {
          result = iterator.next();
        } catch (error) {
          onError(error);
          throw error;
        }
        if (typeof result !== 'object' || result === null) return result; // not ours to judge
        if (typeof result.then === 'function') result.then(onResult, onError);
        else onResult(result as unknown as IteratorResult<unknown>); // not a promise: read it now
        return result;
      },
      return: (value?: unknown) =>
        iterator.return !== undefined
          ? iterator.return(value)
          : Promise.resolve({ done: true as const, value }),
    };
  }

  /** Destroys a Node stream it reads (Nest does when the client goes away). */
  destroy(error?: Error): void {
    const destroy = (this.source as { destroy?: (error?: Error) => void }).destroy;
    if (typeof destroy === 'function') destroy.call(this.source, error);
  }
}
