import type { ExemplarLabels } from '../core/exemplar';
import { recordChunk } from './chunk-reader';
import { DISPATCH_STAGE, PREPROCESS_STAGE, ROUTE_STAGE } from './frontend-families';
import type { ModelSeries } from './model-series';
import { EMBEDDINGS_ENDPOINT, FRONTEND_PHASES } from './frontend.constants';
import { invalidPhaseMessage, invalidTokenCountMessage } from './frontend.messages';
import type { FrontendErrorType, FrontendPhase, FrontendRequestType } from './interfaces';

/**
 * One LLM request, from `FrontendMetrics.start()` (its arrival: +1 started, inflight, active,
 * queued, and `preprocess` stage) until `finish()` or `fail()`. `route()` and `dispatch()` move
 * it between stages until its first token. Per streamed chunk, `tokens(n)` records in O(1) and
 * allocates nothing. The first of `finish()` / `fail()` counts; later calls, and tokens after it,
 * are ignored.
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
  private inputObserved = false;
  /** The `stage_requests` index it is counted in; -1 once it has left the queue. */
  private stageIndex = PREPROCESS_STAGE;
  private started = false;
  private mediaObserved = false;
  private ended = false;

  /** @internal */
  constructor(
    private readonly series: ModelSeries,
    /** The `endpoint` label. */
    readonly endpoint: string,
    /** `stream` or `unary` (the `request_type` label); may change until the request ends. */
    public requestType: FrontendRequestType,
    /** Count it in `requests_started_total` now; else at `countStarted()`, or at its end. */
    started = true,
    /** Kept with its duration and time to first token (a trace's ids). */
    private readonly exemplar: ExemplarLabels | undefined = undefined,
  ) {
    series.inflight.inc();
    series.active.inc();
    series.queued.inc();
    series.stage(PREPROCESS_STAGE).inc();
    if (started) this.countStarted();
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
   * The request is being routed now (to a worker): it moves to the `route` stage of `phase`.
   * Ignored once it has its first token.
   */
  route(phase: FrontendPhase = 'aggregated'): void {
    this.moveTo(ROUTE_STAGE + phaseIndex(phase));
  }

  /**
   * The request is handed to the engine now: it moves to the `dispatch` stage of `phase`, where
   * it waits for its first token. Ignored once it has its first token.
   */
  dispatch(phase: FrontendPhase = 'aggregated'): void {
    this.moveTo(DISPATCH_STAGE + phaseIndex(phase));
  }

  /** The stage it is in (`preprocess`, `route`, `dispatch`), or `undefined` after its first token. */
  get stage(): 'preprocess' | 'route' | 'dispatch' | undefined {
    const index = this.stageIndex;
    if (index < 0) return undefined;
    return index === PREPROCESS_STAGE
      ? 'preprocess'
      : index < DISPATCH_STAGE
        ? 'route'
        : 'dispatch';
  }

  /**
   * The media parts of the request (`image_url`, `video_url`, `audio_url` content parts):
   * observed once per request in `images_per_request`, `videos_per_request`,
   * `audio_per_request`; later calls are ignored.
   */
  media(images: number, videos: number, audio: number): void {
    checkCount('image count', images);
    checkCount('video count', videos);
    checkCount('audio count', audio);
    if (this.mediaObserved || this.ended) return;
    this.mediaObserved = true;
    const series = this.series;
    series.images.observe(images);
    series.videos.observe(videos);
    series.audio.observe(audio);
  }

  /** Counts it in `requests_started_total` with its request type, once. @internal */
  countStarted(): void {
    if (this.started) return;
    this.started = true;
    this.series.startedCounter(this.endpoint, this.requestType).inc();
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

  /**
   * The input sequence length (e.g. `usage.prompt_tokens`): observed at the first token if known
   * by then, else when the request ends.
   */
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
   * went away) also counts in `disconnected_clients` and `model_cancellation_total`; `overload`
   * (turned away for lack of capacity) in `model_rejection_total`.
   */
  fail(errorType: FrontendErrorType | (string & Record<never, never>) = 'internal'): void {
    this.end(errorType === '' ? 'internal' : errorType);
  }

  private first(now: number): void {
    const series = this.series;
    const seconds = (now - this.startedAt) / 1000;
    if (this.exemplar === undefined) series.timeToFirstToken.observe(seconds);
    else series.timeToFirstToken.observeExemplar(seconds, this.exemplar);
    this.leaveQueue();
    if (this.input >= 0) {
      this.inputObserved = true;
      series.inputSequence.observe(this.input);
    }
  }

  private moveTo(index: number): void {
    const from = this.stageIndex;
    if (from < 0 || from === index || this.ended) return;
    const series = this.series;
    series.stage(from).dec();
    series.stage(index).inc();
    this.stageIndex = index;
  }

  private leaveQueue(): void {
    if (this.stageIndex < 0) return;
    const series = this.series;
    series.queued.dec();
    series.stage(this.stageIndex).dec();
    this.stageIndex = -1;
  }

  private end(errorType: string): void {
    if (this.ended) return;
    this.ended = true;
    this.countStarted();
    const series = this.series;
    series.inflight.dec();
    series.active.dec();
    this.leaveQueue();
    const duration = (performance.now() - this.startedAt) / 1000;
    if (this.exemplar === undefined) series.duration.observe(duration);
    else series.duration.observeExemplar(duration, this.exemplar);
    if (this.endpoint === EMBEDDINGS_ENDPOINT) series.embeddingLatency.observe(duration);
    const outputLength = this.outputTokenCount;
    if (outputLength > 0) series.outputSequence.observe(outputLength);
    // As in Dynamo: the input length of a request that failed before its first token is not observed.
    const started = errorType === '' || this.lastTokenAt >= 0;
    if (started && this.input >= 0 && !this.inputObserved) series.inputSequence.observe(this.input);
    if (started && this.cached >= 0) series.cachedTokens.observe(this.cached);
    if (errorType === 'cancelled') {
      series.disconnected.inc();
      series.cancellationCounter(this.endpoint, this.requestType).inc();
    } else if (errorType === 'overload') series.rejectionCounter(this.endpoint).inc();
    series.requestCounter(this.endpoint, this.requestType, errorType).inc();
  }
}

function phaseIndex(phase: FrontendPhase): number {
  const index = FRONTEND_PHASES.indexOf(phase);
  if (index < 0) throw new Error(invalidPhaseMessage(phase));
  return index;
}

function checkCount(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(invalidTokenCountMessage(what, value));
  }
  return value;
}
