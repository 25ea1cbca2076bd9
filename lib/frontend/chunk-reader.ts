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

/** A text line longer than this without a newline is dropped: not a stream of JSON lines. */
const MAX_LINE_LENGTH = 1 << 20;
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
  private carry = '';
  private decoder: TextDecoder | undefined;

  constructor(
    private readonly request: FrontendRequest,
    private readonly count: ((chunk: unknown) => number) | undefined,
  ) {}

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
    if (this.carry.length > 0) this.line(this.carry, 0, this.carry.length);
    this.carry = '';
  }

  private text(text: string): void {
    const buffer = this.carry.length === 0 ? text : this.carry + text;
    let start = 0;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n', start)) {
      this.line(buffer, start, end);
      start = end + 1;
    }
    const rest = buffer.length - start;
    this.carry = rest === 0 || rest > MAX_LINE_LENGTH ? '' : buffer.slice(start);
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
