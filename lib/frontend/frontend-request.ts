import { recordChunk } from './chunk-reader';
import type { ModelSeries } from './model-series';
import { invalidTokenCountMessage } from './frontend.messages';
import type { FrontendErrorType, FrontendRequestType } from './interfaces';

/**
 * One LLM request, from `FrontendMetrics.start()` (its arrival: +1 inflight, +1 queued) until
 * `finish()` or `fail()`. Per streamed chunk, `tokens(n)` records in O(1) and allocates nothing.
 * The first of `finish()` / `fail()` counts; later calls, and tokens after it, are ignored.
 */
export class FrontendRequest {
  private readonly startedAt = performance.now();
  /** When the last token came (`performance.now()`); -1 before the first. */
  private lastTokenAt = -1;
  private output = 0;
  /** The output length a `usage` reported; -1: the tokens counted. */
  private reportedOutput = -1;
  private input = -1;
  private cached = -1;
  private queued = true;
  private ended = false;

  /** @internal */
  constructor(
    private readonly series: ModelSeries,
    /** The `endpoint` label. */
    readonly endpoint: string,
    /** `stream` or `unary` (the `request_type` label); may change until the request ends. */
    public requestType: FrontendRequestType,
  ) {
    series.inflight.inc();
    series.queued.inc();
  }

  /** The `model` label this request is counted under (lower-cased and bounded). */
  get model(): string {
    return this.series.label;
  }

  /** Whether `finish()` or `fail()` was called. */
  get done(): boolean {
    return this.ended;
  }

  /** Output tokens so far (counted, or the total `outputTokens()` set). */
  get outputTokenCount(): number {
    return this.reportedOutput >= 0 ? this.reportedOutput : this.output;
  }

  /**
   * The first token came now: observes the time to first token and ends the queued phase (once).
   * `tokens()` does this by itself; call it when tokens are counted some other way.
   */
  firstToken(): void {
    if (this.lastTokenAt >= 0 || this.ended) return;
    const now = performance.now();
    this.first(now);
    this.lastTokenAt = now;
  }

  /**
   * `count` output tokens came now (default 1), in one chunk. The first chunk observes the time
   * to first token; each later chunk observes its gap since the previous one, spread evenly over
   * its tokens (n observations of gap/n, Dynamo's rule). `output_tokens_total` grows at once.
   */
  tokens(count = 1): void {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new Error(invalidTokenCountMessage('token count', count));
    }
    if (count > 0) this.countTokens(count);
  }

  /** `tokens()` for a count known to be a positive safe integer (the chunk reader's). @internal */
  countTokens(count: number): void {
    if (this.ended) return;
    const now = performance.now();
    const series = this.series;
    series.outputTokens.value += count; // validated: skips the counter's own check
    this.output += count;
    if (this.lastTokenAt < 0) this.first(now);
    else series.interTokenLatency.observeTimes((now - this.lastTokenAt) / 1000 / count, count);
    this.lastTokenAt = now;
  }

  /**
   * Records one streamed chunk: an OpenAI `chat.completion.chunk` or `text_completion` object, an
   * SSE `MessageEvent` carrying one (`data` an object or JSON text), or its JSON text. Counts its
   * tokens (one per choice with text or tool calls) and applies its `usage`.
   */
  chunk(value: unknown): void {
    recordChunk(this, value);
  }

  /** The input sequence length (e.g. `usage.prompt_tokens`); observed when the request ends. */
  inputTokens(count: number): void {
    this.input = checkCount('input token count', count);
  }

  /** Prompt tokens served from the prefix cache; observed when the request ends. */
  cachedTokens(count: number): void {
    this.cached = checkCount('cached token count', count);
  }

  /**
   * The request's total output tokens as the engine reports it (`usage.completion_tokens`): the
   * output sequence length, and `output_tokens_total` grows by what the stream had not counted
   * (a counter never goes down).
   */
  outputTokens(total: number): void {
    checkCount('output token total', total);
    if (this.ended) return;
    if (total > this.output) this.series.outputTokens.incBy(total - this.output);
    this.output = Math.max(this.output, total);
    this.reportedOutput = total;
  }

  /** The request succeeded. */
  finish(): void {
    this.end('');
  }

  /**
   * The request failed with Dynamo's `error_type` (default `internal`). `cancelled` (the client
   * went away) also counts in `disconnected_clients`.
   */
  fail(errorType: FrontendErrorType | (string & Record<never, never>) = 'internal'): void {
    this.end(errorType === '' ? 'internal' : errorType);
  }

  private first(now: number): void {
    const series = this.series;
    series.timeToFirstToken.observe((now - this.startedAt) / 1000);
    if (this.queued) {
      this.queued = false;
      series.queued.dec();
    }
  }

  private end(errorType: string): void {
    if (this.ended) return;
    this.ended = true;
    const series = this.series;
    series.inflight.dec();
    if (this.queued) {
      this.queued = false;
      series.queued.dec();
    }
    series.duration.observe((performance.now() - this.startedAt) / 1000);
    const outputLength = this.outputTokenCount;
    if (outputLength > 0) series.outputSequence.observe(outputLength);
    // As in Dynamo: the input length of a request that failed before its first token is not observed.
    const started = errorType === '' || this.lastTokenAt >= 0;
    if (started && this.input >= 0) series.inputSequence.observe(this.input);
    if (started && this.cached >= 0) series.cachedTokens.observe(this.cached);
    if (errorType === 'cancelled') series.disconnected.inc();
    series.requestCounter(this.endpoint, this.requestType, errorType).inc();
  }
}

function checkCount(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(invalidTokenCountMessage(what, value));
  }
  return value;
}
