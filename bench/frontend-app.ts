// The server of the frontend benchmark, in its own process: `node frontend-app.js
// <express|fastify>`. Its routes stream the same 10,000 OpenAI chunks: as SSE (an Observable of
// MessageEvents) and as NDJSON (an async generator), each bare and with @DynamoFrontend(); two
// more NDJSON routes read the generator as @DynamoFrontend() does, recording nothing or only
// reading the clock per chunk (the floors); two more stream plain text without newlines
// (`POST /text/<bare|frontend>?chunks=n`: n chunks of `token `), as a plain-text LLM route does;
// `GET /cpu` tells the CPU time the process has used, `GET /gc` collects garbage. Prints
// `PORT=<port>` once listening.
import 'reflect-metadata';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  type MessageEvent,
  Module,
  type NestInterceptor,
  Post,
  Query,
  RequestMethod,
  Sse,
  UseInterceptors,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { map, type Observable, range } from 'rxjs';
import { DynamoFrontend, DynamoMetricsModule } from '../lib';
import type { FrontendExchange } from '../lib/frontend/frontend-exchange';
import { TrackedStream } from '../lib/frontend/tracked-stream';

/** Chunks per response. */
export const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10_000);

/**
 * Chunk `i` of a response, made when it is sent, as a server makes each chunk when its token
 * comes (the last one carries the usage).
 */
function chunk(i: number): object {
  return i === CHUNKS - 1
    ? {
        id: 'chatcmpl-bench',
        object: 'chat.completion.chunk',
        model: 'bench-llm',
        choices: [],
        usage: { prompt_tokens: 42, completion_tokens: CHUNKS - 1, total_tokens: CHUNKS + 41 },
      }
    : {
        id: 'chatcmpl-bench',
        object: 'chat.completion.chunk',
        model: 'bench-llm',
        choices: [{ index: 0, delta: { content: ' token' }, finish_reason: null }],
      };
}

function events(): Observable<MessageEvent> {
  return range(0, CHUNKS).pipe(map((i) => ({ data: chunk(i) })));
}

async function* generate(): AsyncGenerator<object> {
  for (let i = 0; i < CHUNKS; i++) yield chunk(i);
}

/** `chunks` pieces of plain text, none with a newline: nothing in it is a JSON line. */
async function* words(chunks: string): AsyncGenerator<string> {
  const n = Number(chunks);
  for (let i = 0; i < n; i++) yield 'token ';
}

const endpoint = { endpoint: 'chat_completions' } as const;

/**
 * What the floors read a stream through `TrackedStream` with, in place of a request's exchange:
 * nothing per chunk, or only the clock read that exact per-chunk timing needs.
 */
class FloorExchange {
  lastChunkAt = 0;

  constructor(private readonly clock: boolean) {}

  chunk(): void {
    if (this.clock) this.lastChunkAt = performance.now();
  }

  streamDone(): void {}

  failed(): void {}
}

function readBeside(value: unknown, clock: boolean): unknown {
  const exchange = new FloorExchange(clock) as unknown as FrontendExchange;
  return new TrackedStream(value as AsyncIterable<unknown>, exchange);
}

/** Floor: reads the returned stream as @DynamoFrontend() does, and records nothing. */
@Injectable()
class ReadInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => readBeside(value, false)));
  }
}

/** Floor: as ReadInterceptor, plus one `performance.now()` per chunk. */
@Injectable()
class ClockInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((value) => readBeside(value, true)));
  }
}

@Controller()
class StreamController {
  @Sse('sse/bare', { method: RequestMethod.POST })
  sseBare(): Observable<MessageEvent> {
    return events();
  }

  @Sse('sse/frontend', { method: RequestMethod.POST })
  @DynamoFrontend(endpoint)
  sseFrontend(): Observable<MessageEvent> {
    return events();
  }

  @Post('ndjson/bare')
  ndjsonBare(): AsyncIterable<object> {
    return generate();
  }

  @Post('ndjson/read')
  @UseInterceptors(ReadInterceptor)
  ndjsonRead(): AsyncIterable<object> {
    return generate();
  }

  @Post('ndjson/clock')
  @UseInterceptors(ClockInterceptor)
  ndjsonClock(): AsyncIterable<object> {
    return generate();
  }

  @Post('ndjson/frontend')
  @DynamoFrontend(endpoint)
  ndjsonFrontend(): AsyncIterable<object> {
    return generate();
  }

  @Post('text/bare')
  textBare(@Query('chunks') chunks: string): AsyncIterable<string> {
    return words(chunks);
  }

  @Post('text/frontend')
  @DynamoFrontend({ endpoint: 'completions' })
  textFrontend(@Query('chunks') chunks: string): AsyncIterable<string> {
    return words(chunks);
  }
}

/** CPU time this process has used, in microseconds: what a streamed response cost it. */
@Controller()
class CpuController {
  /** A full GC (with `--expose-gc`), so that no response pays for the garbage of another. */
  @Get('gc')
  gc(): string {
    globalThis.gc?.();
    globalThis.gc?.();
    return 'ok';
  }

  @Get('cpu')
  cpu(): string {
    const { user, system } = process.cpuUsage();
    return String(user + system);
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [StreamController, CpuController],
})
class BenchModule {}

async function main(): Promise<void> {
  const adapter = process.argv[2];
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(BenchModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  console.log(`PORT=${port}`);
}

if (require.main === module) void main();
