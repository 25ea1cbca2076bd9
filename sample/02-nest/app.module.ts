import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from '../../lib';
import { ChatController } from './chat.controller';
import { CompletionsController } from './completions.controller';
import { MOCK_MODELS, MockLlmService } from './mock-llm.service';
import { ModelService } from './model.service';
import { ModelsController } from './models.controller';

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      namespace: 'dynamo',
      defaultMetrics: true,
      // dynamo_frontend_* label any other model "unknown_model" (Dynamo's rule).
      frontend: { models: MOCK_MODELS },
      // The live page at /metrics/ui, for looking at the sample without Prometheus.
      ui: true,
    }),
  ],
  controllers: [CompletionsController, ChatController, ModelsController],
  providers: [ModelService, MockLlmService],
})
export class AppModule {}
