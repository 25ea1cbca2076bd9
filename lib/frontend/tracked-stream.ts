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
    // Made once per stream: a chunk costs the one promise of `then`.
    const onResult = (result: IteratorResult<unknown>) => {
      if (result.done) exchange.streamDone();
      else exchange.chunk(result.value);
      return result;
    };
    const onError = (error: unknown) => {
      exchange.failed(error);
      throw error;
    };
    return {
      next: () => iterator.next().then(onResult, onError),
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
