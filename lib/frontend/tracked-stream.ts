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
    // they run first (registered first), as the chunk is taken to be sent. Nothing waits on the
    // promise they make, so they must not throw.
    const onResult = (result: IteratorResult<unknown> | null | undefined) => {
      if (typeof result !== 'object' || result === null) return; // Nest reports a bad result
      if (result.done) exchange.streamDone();
      else exchange.chunk(result.value);
    };
    const onError = (error: unknown) => exchange.failed(error);
    return {
      next: () => {
        let result: Promise<IteratorResult<unknown>>;
        try {
          // A native promise comes back as it is; a thenable's `then` is called once, here, as
          // Nest would have (adopting the promise made of it calls no `then` again).
          result = Promise.resolve(iterator.next());
        } catch (error) {
          onError(error);
          throw error;
        }
        result.then(onResult, onError);
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
