import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  type PipeTransform,
  Post,
  Res,
} from '@nestjs/common';
import { DynamoFrontend, DynamoFrontendRequest, type FrontendRequest } from '../../lib';
import { type ChatMessage, MOCK_MODELS, MockLlmService } from './mock-llm.service';

const PART_TYPES = new Set(['text', 'image_url', 'video_url', 'audio_url']);

/** A message's content: text, or parts (`text`, `image_url`, `video_url`, `audio_url`). */
function isContent(content: unknown): boolean {
  return (
    typeof content === 'string' ||
    (Array.isArray(content) &&
      content.every((part) => PART_TYPES.has((part as { type?: unknown } | null)?.type as string)))
  );
}

interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  stream?: boolean;
  max_tokens?: number;
  stream_options?: { include_usage?: boolean };
}

/** Rejects what OpenAI rejects with a 400 (counted as error_type="validation"). */
class ChatRequestPipe implements PipeTransform<unknown, ChatCompletionRequest> {
  transform(value: unknown): ChatCompletionRequest {
    const body = value as Partial<ChatCompletionRequest> | undefined;
    if (typeof body?.model !== 'string') throw new BadRequestException('model is required');
    const messages = body.messages;
    if (
      !Array.isArray(messages) ||
      messages.length === 0 ||
      !messages.every((m) => typeof m?.role === 'string' && isContent(m?.content))
    ) {
      throw new BadRequestException(
        'messages must be a non-empty array of {role, content}, content text or parts',
      );
    }
    const maxTokens = body.max_tokens ?? 16;
    if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 4096) {
      throw new BadRequestException('max_tokens must be an integer from 1 to 4096');
    }
    return { ...(body as ChatCompletionRequest), max_tokens: maxTokens };
  }
}

/** The part of a Fastify reply or Express response this controller uses. */
interface HeaderTarget {
  header(name: string, value: string): unknown;
}

/**
 * An OpenAI-compatible chat endpoint over the mock engine. `stream: true` answers Server-Sent
 * Events of `chat.completion.chunk`s (with a usage chunk when `stream_options.include_usage`),
 * else one `chat.completion`. Messages may carry image, video and audio parts. @DynamoFrontend()
 * records Dynamo's dynamo_frontend_* metrics; the handler reports its routing step on the handle.
 */
@Controller('v1')
export class ChatController {
  constructor(private readonly llm: MockLlmService) {}

  /** POST /v1/chat/completions {"model":"demo-llm","messages":[{"role":"user","content":"hi"}],"stream":true} */
  @Post('chat/completions')
  @HttpCode(200)
  @DynamoFrontend({ endpoint: 'chat_completions' })
  async chat(
    @Body(ChatRequestPipe) request: ChatCompletionRequest,
    @Res({ passthrough: true }) response: HeaderTarget,
    @DynamoFrontendRequest() metrics: FrontendRequest | undefined,
  ): Promise<object | AsyncIterable<string>> {
    if (!MOCK_MODELS.includes(request.model)) {
      throw new NotFoundException(`The model \`${request.model}\` does not exist`);
    }
    metrics?.route(); // stage_requests: choosing a worker...
    const release = this.llm.admit(); // 503 when at capacity: an overload rejection
    metrics?.dispatch(); // ...then waiting for its first token
    const id = `chatcmpl-${Date.now().toString(36)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = this.usage(request.messages);
    const maxTokens = request.max_tokens!;
    if (request.stream) {
      response.header('content-type', 'text/event-stream');
      response.header('cache-control', 'no-cache');
      return this.sse(request, id, created, usage, release);
    }
    const tokens: string[] = [];
    try {
      for await (const token of this.llm.generate(request.messages, maxTokens)) tokens.push(token);
    } finally {
      release();
    }
    return {
      id,
      object: 'chat.completion',
      created,
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: tokens.join('') },
          finish_reason: 'length',
        },
      ],
      usage: {
        ...usage,
        completion_tokens: tokens.length,
        total_tokens: usage.prompt_tokens + tokens.length,
      },
    };
  }

  /** The prompt's usage: its tokens, and those the prefix cache served. */
  private usage(messages: ChatMessage[]) {
    return {
      prompt_tokens: this.llm.promptTokens(messages),
      prompt_tokens_details: { cached_tokens: this.llm.cachedTokens(messages) },
    };
  }

  private async *sse(
    request: ChatCompletionRequest,
    id: string,
    created: number,
    usage: ReturnType<ChatController['usage']>,
    release: () => void,
  ): AsyncGenerator<string> {
    try {
      yield* this.events(request, id, created, usage);
    } finally {
      release();
    }
  }

  private async *events(
    request: ChatCompletionRequest,
    id: string,
    created: number,
    usage: ReturnType<ChatController['usage']>,
  ): AsyncGenerator<string> {
    const chunk = (delta: object, finishReason: string | null = null) =>
      event({
        id,
        object: 'chat.completion.chunk',
        created,
        model: request.model,
        choices: [{ index: 0, delta, finish_reason: finishReason }],
      });
    yield chunk({ role: 'assistant', content: '' });
    let count = 0;
    for await (const token of this.llm.generate(request.messages, request.max_tokens!)) {
      count++;
      yield chunk({ content: token });
    }
    yield chunk({}, 'length');
    if (request.stream_options?.include_usage) {
      yield event({
        id,
        object: 'chat.completion.chunk',
        created,
        model: request.model,
        choices: [],
        usage: { ...usage, completion_tokens: count, total_tokens: usage.prompt_tokens + count },
      });
    }
    yield 'data: [DONE]\n\n';
  }
}

function event(data: object): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}
