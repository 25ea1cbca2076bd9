import type { FrontendExchange } from '../../lib/frontend/frontend-exchange';
import { TrackedStream } from '../../lib/frontend/tracked-stream';

/** What the stream tells its exchange, in order, with what the reader had seen by then. */
function recordingExchange(seen: unknown[]) {
  const events: string[] = [];
  const exchange = {
    chunk: (value: unknown) => events.push(`chunk ${String(value)} (reader saw ${seen.length})`),
    streamDone: () => events.push(`done (reader saw ${seen.length})`),
    failed: (error: unknown) => events.push(`failed ${(error as Error).message}`),
  };
  return { events, exchange: exchange as unknown as FrontendExchange };
}

/**
 * Runs `body` and returns the promise rejections left unhandled meanwhile (one event-loop turn
 * after it, when Node reports them).
 */
async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    await body();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  return unhandled;
}

describe('TrackedStream (what @DynamoFrontend reads an async iterable through)', () => {
  it('records a chunk before the reader goes on, and hands it the source promise', async () => {
    const seen: unknown[] = [];
    const { events, exchange } = recordingExchange(seen);
    const source = (async function* () {
      yield 'a';
      yield 'b';
    })();
    const sourceNext = source.next.bind(source);
    const given: Promise<IteratorResult<unknown>>[] = [];
    source.next = (...args) => {
      const promise = sourceNext(...args);
      given.push(promise);
      return promise;
    };
    const iterator = new TrackedStream(source, exchange)[Symbol.asyncIterator]();
    for (;;) {
      const promise = iterator.next();
      expect(promise).toBe(given.at(-1)); // no promise in between: no extra turn per chunk
      const result = await promise;
      if (result.done) break;
      seen.push(result.value);
    }
    expect(events).toEqual([
      'chunk a (reader saw 0)',
      'chunk b (reader saw 1)',
      'done (reader saw 2)',
    ]);
  });

  it('records a failure; the reader gets the same rejection, none is unhandled', async () => {
    const { events, exchange } = recordingExchange([]);
    const boom = new Error('upstream lost');
    const source = (async function* () {
      yield 'a';
      throw boom;
    })();
    const iterator = new TrackedStream(source, exchange)[Symbol.asyncIterator]();
    const unhandled = await unhandledDuring(async () => {
      await iterator.next();
      await expect(iterator.next()).rejects.toBe(boom);
    });
    expect(events).toEqual(['chunk a (reader saw 0)', 'failed upstream lost']);
    expect(unhandled).toEqual([]);
  });

  it('reads an iterator that answers without a promise, and one whose next() throws', async () => {
    const { events, exchange } = recordingExchange([]);
    let calls = 0;
    const odd: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          calls++;
          if (calls === 1) return { done: false, value: 'x' } as never;
          throw new Error('broken iterator');
        },
      }),
    };
    const iterator = new TrackedStream(odd, exchange)[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: false, value: 'x' });
    expect(() => iterator.next()).toThrow('broken iterator');
    expect(events).toEqual(['chunk x (reader saw 0)', 'failed broken iterator']);
  });
  it("calls a thenable result's then once, as Nest alone would", async () => {
    const { events, exchange } = recordingExchange([]);
    let thens = 0;
    const thenable = {
      then(resolve: (value: IteratorResult<unknown>) => void) {
        thens++;
        resolve({ done: false, value: 'lazy' });
      },
    };
    const source: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]: () => ({ next: () => thenable as never }),
    };
    const iterator = new TrackedStream(source, exchange)[Symbol.asyncIterator]();
    // What Nest does with each result: an async function that returns it.
    const nestNext = async () => iterator.next();
    expect(await nestNext()).toEqual({ done: false, value: 'lazy' });
    expect(thens).toBe(1);
    expect(events).toEqual(['chunk lazy (reader saw 0)']);
  });

  it('leaves a result that is not an object to the reader, with nothing unhandled', async () => {
    const { events, exchange } = recordingExchange([]);
    const source: AsyncIterable<unknown> = {
      [Symbol.asyncIterator]: () => ({ next: async () => undefined as never }),
    };
    const iterator = new TrackedStream(source, exchange)[Symbol.asyncIterator]();
    const unhandled = await unhandledDuring(async () => {
      expect(await iterator.next()).toBeUndefined();
    });
    expect(events).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});
