import { Injectable } from '@nestjs/common';

/** The models the mock serves (also declared to the frontend metrics). */
export const MOCK_MODELS = ['demo-llm'];

/** A chat message of an OpenAI request. */
export interface ChatMessage {
  role: string;
  content: string;
}

/**
 * A stand-in for an LLM engine behind an OpenAI-compatible API: it "generates" the words of the
 * last user message, one token at a time, at a pace set by MOCK_LLM_FIRST_TOKEN_MS (the time to
 * the first token, default 200) and MOCK_LLM_TOKEN_INTERVAL_MS (between tokens, default 50).
 */
@Injectable()
export class MockLlmService {
  readonly firstTokenMs = Number(process.env.MOCK_LLM_FIRST_TOKEN_MS ?? 200);
  readonly tokenIntervalMs = Number(process.env.MOCK_LLM_TOKEN_INTERVAL_MS ?? 50);

  /** Prompt tokens: words of every message (a real server would run the tokenizer). */
  promptTokens(messages: ChatMessage[]): number {
    return messages.reduce((sum, m) => sum + m.content.split(/\s+/).filter(Boolean).length, 0);
  }

  /** The reply's tokens: the last user message's words, repeated up to `maxTokens`. */
  reply(messages: ChatMessage[], maxTokens: number): string[] {
    const last = [...messages].reverse().find((m) => m.role === 'user')?.content ?? 'hello';
    const words = last.split(/\s+/).filter(Boolean);
    if (words.length === 0) words.push('hello');
    return Array.from(
      { length: maxTokens },
      (_, i) => (i === 0 ? '' : ' ') + words[i % words.length],
    );
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
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
