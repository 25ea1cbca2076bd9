import {
  BadRequestException,
  Body,
  Controller,
  HttpCode,
  NotFoundException,
  Post,
} from '@nestjs/common';
import { DynamoFrontend } from '../../lib';
import { MOCK_MODELS, MockLlmService } from './mock-llm.service';

interface EmbeddingRequest {
  model: string;
  input: string | string[];
}

/**
 * An OpenAI-compatible embeddings endpoint over the mock engine. `endpoint: 'embeddings'` adds
 * dynamo_frontend_embedding_latency_seconds, with buckets for sub-second pooling models.
 */
@Controller('v1')
export class EmbeddingsController {
  constructor(private readonly llm: MockLlmService) {}

  /** POST /v1/embeddings {"model":"demo-embed","input":"hello world"} */
  @Post('embeddings')
  @HttpCode(200)
  @DynamoFrontend({ endpoint: 'embeddings' })
  async embeddings(@Body() request: EmbeddingRequest): Promise<object> {
    if (!MOCK_MODELS.includes(request?.model)) {
      throw new NotFoundException(`The model \`${request?.model}\` does not exist`);
    }
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    if (!Array.isArray(inputs) || !inputs.every((input) => typeof input === 'string')) {
      throw new BadRequestException('input must be a string or an array of strings');
    }
    const release = this.llm.admit();
    try {
      const vectors = await this.llm.embed(inputs);
      const tokens = inputs.reduce(
        (sum, input) => sum + input.split(/\s+/).filter(Boolean).length,
        0,
      );
      return {
        object: 'list',
        model: request.model,
        data: vectors.map((embedding, index) => ({ object: 'embedding', index, embedding })),
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      };
    } finally {
      release();
    }
  }
}
