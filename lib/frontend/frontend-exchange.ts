import { Observable } from 'rxjs';
import { ChunkRecorder, applyUsage } from './chunk-reader';
import { errorTypeOfException, errorTypeOfStatus } from './frontend-error-type';
import { EMBEDDINGS_ENDPOINT } from './frontend.constants';
import type { FrontendRequest } from './frontend-request';
import { TrackedStream } from './tracked-stream';

/** What an exchange needs of its route. Not exported from the package. */
export interface ExchangeRoute {
  /** An `@Sse()` handler: every value is an event. */
  readonly sse: boolean;
  readonly countTokens: ((chunk: unknown) => number) | undefined;
  readonly errorType: ((exception: unknown) => string | undefined) | undefined;
}

/** The raw Node response (Express's `res`, Fastify's `reply.raw`). */
export interface RawResponse {
  readonly statusCode: number;
  readonly destroyed?: boolean;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * One request to a `@DynamoFrontend()` handler, from the interceptor until its response closes:
 * reads what the handler produces (SSE events, the chunks of a stream it returns, or its answer)
 * into its `FrontendRequest`, and ends it when the response closes, as what happened says:
 * completed → success; failed → the exception's `error_type`; closed before either, unanswered →
 * `cancelled`. Recording never reaches the request: failures go to `report`. Not exported from the package.
 */
export class FrontendExchange {
  private completed = false;
  private errored = false;
  private failure: unknown;
  private finished = false;
  private streaming = false;
  private readonly recorder: ChunkRecorder;

  constructor(
    readonly request: FrontendRequest,
    private readonly route: ExchangeRoute,
    /** Whether the request type was decided (option, `@Sse()`, the body's `stream`). */
    private readonly typeDecided: boolean,
    /** The model is one the app serves (or it declares none). */
    private readonly served: boolean,
    private readonly response: RawResponse,
    private readonly report: (error: unknown) => void,
  ) {
    this.recorder = new ChunkRecorder(request, route.countTokens);
    if (response.destroyed === true) {
      this.closed(); // the client left before the handler ran
      return;
    }
    response.once('finish', () => (this.finished = true));
    response.once('close', () => this.closed());
  }

  /**
   * The handler's result, with what it produces recorded on the way. Subscribing runs the
   * handler (its pipes first): the request moves from `preprocess` to `dispatch`.
   */
  observe(source: Observable<unknown>): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      try {
        this.request.dispatch();
      } catch (error) {
        this.report(error);
      }
      return source.subscribe({
        next: (value) => {
          if (this.route.sse) this.chunk(value);
          else value = this.answer(value);
          subscriber.next(value);
        },
        error: (error: unknown) => {
          this.failed(error);
          subscriber.error(error);
        },
        complete: () => {
          if (!this.streaming) this.completed = true;
          subscriber.complete();
        },
      });
    });
  }

  /** One chunk of a stream (an SSE event, or a value of a returned stream). */
  chunk(value: unknown): void {
    try {
      this.recorder.record(value);
    } catch (error) {
      this.report(error);
    }
  }

  /** The stream the handler returned has ended. */
  streamDone(): void {
    this.completed = true;
    try {
      this.recorder.flush();
    } catch (error) {
      this.report(error);
    }
  }

  failed(error: unknown): void {
    if (this.errored || this.completed) return;
    this.errored = true;
    this.failure = error;
  }

  /** A value of a non-SSE handler: a stream to read as it is sent, or one answer. */
  private answer(value: unknown): unknown {
    const request = this.request;
    if (isStreamingBody(value)) {
      this.streaming = true;
      if (!this.typeDecided) request.requestType = 'stream';
      request.countStarted();
      return new TrackedStream(value, this);
    }
    try {
      request.countStarted();
      const count = this.route.countTokens;
      if (count !== undefined) {
        const tokens = count(value);
        if (tokens > 0) request.outputTokens(tokens);
      }
      if (typeof value === 'object' && value !== null) {
        applyUsage(request, (value as { usage?: unknown }).usage);
      }
      // As Dynamo: a unary answer is its first response (TTFT, ISL; no ITL). An embedding has no
      // tokens; nor has `undefined`, what a handler that writes the response itself (`@Res()`)
      // returns, whose first token this cannot see.
      if (request.endpoint !== EMBEDDINGS_ENDPOINT && value !== undefined) request.firstToken();
    } catch (error) {
      this.report(error);
    }
    return value;
  }

  private closed(): void {
    const request = this.request;
    if (request.done) return;
    try {
      const status = this.response.statusCode;
      if (this.errored) request.fail(this.errorTypeOf(this.failure));
      else if (this.completed && (this.streaming || this.route.sse || !(status >= 400)))
        request.finish();
      // Answered without the handler's result: an error status says what happened.
      else if (this.completed || this.finished) {
        if (status >= 400) request.fail(this.errorTypeOf(undefined, status));
        else request.finish();
      } else request.fail('cancelled');
    } catch (error) {
      this.report(error);
    }
  }

  private errorTypeOf(exception: unknown, status?: number): string {
    const mapper = this.route.errorType;
    if (mapper !== undefined && exception !== undefined) {
      try {
        const type = mapper(exception);
        if (typeof type === 'string' && type !== '') return type;
      } catch {
        // The user's mapping must not break the recording: the default applies.
      }
    }
    if (!this.served) return 'not_found';
    return status === undefined ? errorTypeOfException(exception) : errorTypeOfStatus(status);
  }
}

/** What Nest streams as a body: an async iterable that is not a promise. */
function isStreamingBody(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' &&
    typeof (value as { then?: unknown }).then !== 'function'
  );
}
