import { Controller, Get } from '@nestjs/common';
import { MOCK_MODELS } from './mock-llm.service';

/** GET /v1/models: the OpenAI model list. */
@Controller('v1')
export class ModelsController {
  private readonly created = Math.floor(Date.now() / 1000);

  @Get('models')
  models() {
    return {
      object: 'list',
      data: MOCK_MODELS.map((id) => ({
        id,
        object: 'model',
        created: this.created,
        owned_by: 'nestjs-dynamo-metrics',
      })),
    };
  }
}
