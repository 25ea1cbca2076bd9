import { TextDecoder } from 'node:util';
import type { FrontendRequest } from './frontend-request';

/** What is read of an OpenAI chunk, response or SSE event. */
interface Chunk {
  readonly choices?: unknown;
  readonly usage?: unknown;
  readonly data?: unknown;
}

interface Choice {
  readonly delta?: unknown;
  readonly text?: unknown;
}

interface Delta {
  readonly content?: unknown;
  readonly reasoning_content?: unknown;
  readonly reasoning?: unknown;
  readonly tool_calls?: unknown;
}

interface Usage {
  readonly prompt_tokens?: unknown;
  readonly completion_tokens?: unknown;
  readonly input_tokens?: unknown;
  readonly output_tokens?: unknown;
  readonly prompt_tokens_details?: { readonly cached_tokens?: unknown } | null;
  readonly input_tokens_details?: { readonly cached_tokens?: unknown } | null;
}

/**
 * The most of one unfinished line a stream's reader keeps (UTF-16 code units: 1 MiB of ASCII):
 * a line that grows past it without a newline is not a stream of JSON lines and is skipped to
 * its newline. Lines that arrive whole in one chunk are read at any length.
 */
export const MAX_CARRIED_LINE_LENGTH = 1 << 20;
/** Carried pieces are joined into one this many at a time, so tiny chunks cannot pile up. */
const PIECES_PER_BLOCK = 64;
const DATA_PREFIX = 'data:';
const CARRIAGE_RETURN = 13;
const OPEN_BRACE = 123;

/**
 * Output tokens in an OpenAI stream chunk (`chat.completion.chunk` or `text_completion`): one
 * per choice whose delta carries text (`content`, `reasoning_content`, `reasoning`) or tool
 * calls, or, for completions, whose `text` is not empty. A role-only or final chunk counts 0.
 */
export function countChunkTokens(chunk: unknown): number {
  const choices = (chunk as Chunk | null | undefined)?.choices;
  if (!Array.isArray(choices)) return 0;
  let tokens = 0;
  for (let i = 0; i < choices.length; i++) {
    const choice = choices[i] as Choice | null | undefined;
    if (typeof choice !== 'object' || choice === null) continue;
    const delta = choice.delta as Delta | null | undefined;
    if (typeof delta === 'object' && delta !== null) {
      if (
        hasText(delta.content) ||
        hasText(delta.reasoning_content) ||
        hasText(delta.reasoning) ||
        (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0)
      )
        tokens++;
    } else if (hasText(choice.text)) tokens++;
  }
  return tokens;
}

/** Applies an OpenAI `usage` (chat and completions, or the Responses API's names). */
export function applyUsage(request: FrontendRequest, usage: unknown): void {
  if (typeof usage !== 'object' || usage === null) return;
  const u = usage as Usage;
  const input = u.prompt_tokens ?? u.input_tokens;
  if (isCount(input)) request.inputTokens(input);
  const output = u.completion_tokens ?? u.output_tokens;
  if (isCount(output)) request.outputTokens(output);
  const cached = (u.prompt_tokens_details ?? u.input_tokens_details)?.cached_tokens;
  if (isCount(cached)) request.cachedTokens(cached);
}

/** Records one complete chunk (an object, an SSE `MessageEvent`, or its JSON / SSE text). */
export function recordChunk(request: FrontendRequest, value: unknown): void {
  const data = eventData(value);
  if (typeof data === 'object' && data !== null && !(data instanceof Uint8Array)) {
    recordObject(request, data as Chunk); // the common case allocates nothing
    return;
  }
  const recorder = new ChunkRecorder(request, undefined);
  recorder.record(value);
  recorder.flush();
}

function recordObject(request: FrontendRequest, chunk: Chunk): void {
  const tokens = countChunkTokens(chunk);
  if (tokens > 0) request.countTokens(tokens);
  const usage = chunk.usage;
  if (usage !== undefined && usage !== null) applyUsage(request, usage);
}

/**
 * Reads the chunks of one response as they are produced: objects as they are, SSE
 * `MessageEvent`s by their `data`, text and bytes as SSE (`data: {...}` lines) or NDJSON, each
 * line once complete. With a `count` function, each chunk's tokens are what it returns for the
 * chunk as produced (and a `usage` in an object chunk still applies). Not exported from the package.
 */
export class ChunkRecorder {
  /**
   * The start of the current line while it may be a chunk and has no newline yet, in pieces as
   * they came: joined once, when its newline comes, so a line costs its length however finely it
   * is chunked. Pieces before `sealed` are blocks of PIECES_PER_BLOCK joined pieces.
   */
  private readonly pieces: string[] = [];
  private sealed = 0;
  private carriedLength = 0;
  /** The current line cannot be a chunk (or grew past the limit): ignored to its newline. */
  private skipping = false;
  private decoder: TextDecoder | undefined;

  constructor(
    private readonly request: FrontendRequest,
    private readonly count: ((chunk: unknown) => number) | undefined,
  ) {}

  /** How much of an unfinished line is kept (UTF-16 code units), at most MAX_CARRIED_LINE_LENGTH. */
  get carried(): number {
    return this.carriedLength;
  }

  record(value: unknown): void {
    // The common case first: an object chunk, or an SSE event carrying one.
    if (this.count === undefined && typeof value === 'object' && value !== null) {
      const chunk = (value as Chunk).choices !== undefined ? value : (value as Chunk).data;
      if (typeof chunk === 'object' && chunk !== null && (chunk as Chunk).choices !== undefined) {
        recordObject(this.request, chunk as Chunk);
        return;
      }
    }
    if (this.count !== undefined) {
      const tokens = this.count(value);
      if (tokens > 0) this.request.tokens(tokens);
      const data = eventData(value);
      if (typeof data === 'object' && data !== null)
        applyUsage(this.request, (data as Chunk).usage);
      return;
    }
    if (typeof value === 'string') return this.text(value);
    if (value instanceof Uint8Array) {
      return this.text((this.decoder ??= new TextDecoder()).decode(value, { stream: true }));
    }
    const data = eventData(value);
    if (typeof data === 'string') this.json(data.trim());
    else if (typeof data === 'object' && data !== null) recordObject(this.request, data as Chunk);
  }

  /** The stream ended: reads a last line that had no newline. */
  flush(): void {
    if (this.carriedLength > 0) {
      const line = this.joinCarried('');
      this.line(line, 0, line.length);
    }
    this.skipping = false;
  }

  /** Scans only the new text for newlines; the carried start of a line is joined once, at its end. */
  private text(text: string): void {
    let end = text.indexOf('\n');
    if (end < 0) return this.carry(text, 0);
    if (this.skipping) this.skipping = false;
    else if (this.carriedLength > 0) {
      const line = this.joinCarried(text.slice(0, end));
      this.line(line, 0, line.length);
    } else this.line(text, 0, end);
    let start = end + 1;
    for (end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      this.line(text, start, end);
      start = end + 1;
    }
    if (start < text.length) this.carry(text, start);
  }

  /** Keeps `text` from `start` (no newline in it) as more of the current line, if it may be a chunk. */
  private carry(text: string, start: number): void {
    const length = text.length - start;
    if (this.skipping || length === 0) return;
    if (
      this.carriedLength + length > MAX_CARRIED_LINE_LENGTH ||
      (this.carriedLength < DATA_PREFIX.length && !this.mayBeChunk(text, start))
    ) {
      this.dropCarried();
      this.skipping = true;
      return;
    }
    const pieces = this.pieces;
    pieces.push(start === 0 ? text : text.slice(start));
    this.carriedLength += length;
    if (pieces.length - this.sealed === PIECES_PER_BLOCK) {
      pieces[this.sealed] = pieces.splice(this.sealed).join('');
      this.sealed++;
    }
  }

  /** Whether the current line, continued by `text` from `start`, may start `{` or `data:`. */
  private mayBeChunk(text: string, start: number): boolean {
    const carried = this.carriedLength;
    const first = carried === 0 ? text.charCodeAt(start) : this.pieces[0].charCodeAt(0);
    if (first === OPEN_BRACE) return true;
    // What is carried already matched the start of `data:`; the new text goes on from there.
    for (let i = carried, j = start; i < DATA_PREFIX.length && j < text.length; i++, j++) {
      if (text.charCodeAt(j) !== DATA_PREFIX.charCodeAt(i)) return false;
    }
    return true;
  }

  /** The carried line followed by `last`, emptying the carry. */
  private joinCarried(last: string): string {
    const pieces = this.pieces;
    if (last.length > 0) pieces.push(last);
    const line = pieces.length === 1 ? pieces[0] : pieces.join('');
    this.dropCarried();
    return line;
  }

  private dropCarried(): void {
    this.pieces.length = 0;
    this.sealed = 0;
    this.carriedLength = 0;
  }

  private line(buffer: string, start: number, end: number): void {
    if (end > start && buffer.charCodeAt(end - 1) === CARRIAGE_RETURN) end--;
    if (buffer.startsWith('data:', start)) this.json(buffer.slice(start + 5, end).trim());
    else if (buffer.charCodeAt(start) === OPEN_BRACE) this.json(buffer.slice(start, end));
  }

  private json(text: string): void {
    if (text.length === 0 || text === '[DONE]') return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // not JSON: not a chunk to count
    }
    if (typeof parsed === 'object' && parsed !== null) recordObject(this.request, parsed as Chunk);
  }
}

/** The chunk in a value: the `data` of an SSE `MessageEvent`, else the value. */
function eventData(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const chunk = value as Chunk;
  return chunk.choices === undefined && 'data' in chunk ? chunk.data : value;
}

function hasText(value: unknown): boolean {
  return (typeof value === 'string' || Array.isArray(value)) && value.length > 0;
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
