import { Readable } from 'node:stream';
import {
  BadRequestException,
  Body,
  Controller,
  Get,
  type PipeTransform,
  Post,
  Query,
  StreamableFile,
} from '@nestjs/common';
import { DynamoComponent, DynamoEndpoint } from '../../lib';
import { ModelService } from './model.service';

interface CompletionRequest {
  prompt: string;
  max_tokens?: number;
}

/** Rejects a request without a prompt before the handler runs (counted as invalid_message). */
class CompletionPipe implements PipeTransform<unknown, CompletionRequest> {
  transform(value: unknown): CompletionRequest {
    const body = value as Partial<CompletionRequest> | undefined;
    if (typeof body?.prompt !== 'string' || body.prompt.trim() === '') {
      throw new BadRequestException('prompt must be a non-empty string');
    }
    return { prompt: body.prompt, max_tokens: Number(body.max_tokens ?? 8) };
  }
}

@Controller('v1')
@DynamoComponent('backend')
export class CompletionsController {
  constructor(private readonly model: ModelService) {}

  /** POST /v1/completions {"prompt": "hello world", "max_tokens": 4} */
  @Post('completions')
  @DynamoEndpoint('generate', { constLabels: { model: 'demo-llm' } })
  async complete(@Body(CompletionPipe) request: CompletionRequest): Promise<{ text: string }> {
    const tokens = await this.model.generate(request.prompt, request.max_tokens ?? 8);
    return { text: tokens.join(' ') };
  }

  /** GET /v1/stream?prompt=hello: tokens streamed one per line. */
  @Get('stream')
  @DynamoEndpoint('stream', { constLabels: { model: 'demo-llm' } })
  async stream(@Query('prompt') prompt = 'hello world'): Promise<StreamableFile> {
    const tokens = await this.model.generate(prompt, 16);
    return new StreamableFile(Readable.from(tokens.map((token) => token + '\n')), {
      type: 'text/plain; charset=utf-8',
    });
  }
}
