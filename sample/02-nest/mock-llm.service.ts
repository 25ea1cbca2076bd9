import {
  Injectable,
  InternalServerErrorException,
  ServiceUnavailableException,
} from '@nestjs/common';

/** The models the mock serves (also declared to the frontend metrics, with their configuration). */
export const MOCK_MODELS = ['demo-llm', 'demo-embed'];

/** One part of a multimodal message: text, or an image, video or audio by URL. */
export interface ContentPart {
  type: 'text' | 'image_url' | 'video_url' | 'audio_url';
  text?: string;
}

/** A chat message of an OpenAI request: text, or content parts. */
export interface ChatMessage {
  role: string;
  content: string | ContentPart[];
}

/**
 * A stand-in for an LLM engine behind an OpenAI-compatible API: it "generates" the words of the
 * last user message, one token at a time. Environment variables:
 * MOCK_LLM_FIRST_TOKEN_MS (time to the first token, default 200), MOCK_LLM_TOKEN_INTERVAL_MS
 * (between tokens, default 50), MOCK_LLM_MAX_CONCURRENCY (requests served at once; more are
 * turned away with 503, counted as overload rejections; default unlimited) and
 * MOCK_LLM_FAILURE_RATE (the share of requests failing with 500, default 0).
 */
@Injectable()
export class MockLlmService {
  readonly firstTokenMs = Number(process.env.MOCK_LLM_FIRST_TOKEN_MS ?? 200);
  readonly tokenIntervalMs = Number(process.env.MOCK_LLM_TOKEN_INTERVAL_MS ?? 50);
  readonly maxConcurrency = Number(process.env.MOCK_LLM_MAX_CONCURRENCY ?? Infinity);
  readonly failureRate = Number(process.env.MOCK_LLM_FAILURE_RATE ?? 0);
  private running = 0;

  /** Prompt tokens: words of every message (a real server would run the tokenizer). */
  promptTokens(messages: ChatMessage[]): number {
    return messages.reduce((sum, m) => sum + words(textOf(m)).length, 0);
  }

  /** Prompt tokens served from the prefix cache: the conversation before its last message. */
  cachedTokens(messages: ChatMessage[]): number {
    return this.promptTokens(messages.slice(0, -1));
  }

  /** The reply's tokens: the last user message's words, repeated up to `maxTokens`. */
  reply(messages: ChatMessage[], maxTokens: number): string[] {
    const last = [...messages].reverse().find((m) => m.role === 'user');
    const said = words(last === undefined ? 'hello' : textOf(last));
    if (said.length === 0) said.push('hello');
    return Array.from(
      { length: maxTokens },
      (_, i) => (i === 0 ? '' : ' ') + said[i % said.length],
    );
  }

  /**
   * Takes a request in, or turns it away: 503 past MOCK_LLM_MAX_CONCURRENCY, 500 for the
   * MOCK_LLM_FAILURE_RATE share. Returns the release to call when it is done.
   */
  admit(): () => void {
    if (this.running >= this.maxConcurrency)
      throw new ServiceUnavailableException('The engine is at capacity; retry later');
    if (Math.random() < this.failureRate)
      throw new InternalServerErrorException('The engine failed (MOCK_LLM_FAILURE_RATE)');
    this.running++;
    let released = false;
    return () => {
      if (!released) this.running--;
      released = true;
    };
  }

  /** The tokens of `reply()`, produced at the mock's pace; stops when the consumer does. */
  async *generate(messages: ChatMessage[], maxTokens: number): AsyncGenerator<string> {
    const tokens = this.reply(messages, maxTokens);
    await sleep(this.firstTokenMs);
    for (let i = 0; i < tokens.length; i++) {
      if (i > 0) await sleep(this.tokenIntervalMs);
      yield tokens[i];
    }
  }

  /** An embedding of each input: a small vector from its characters, after a short pause. */
  async embed(inputs: string[]): Promise<number[][]> {
    await sleep(5 + Math.random() * 20);
    return inputs.map((input) =>
      Array.from({ length: 8 }, (_, i) => ((input.charCodeAt(i % input.length) || 0) % 17) / 17),
    );
  }
}

/** The text of a message: its content, or its text parts. */
export function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => part.text ?? '').join(' ');
}

const words = (text: string) => text.split(/\s+/).filter(Boolean);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
