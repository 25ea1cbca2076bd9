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
      // Dynamo's processes take their namespace from DYN_NAMESPACE (set by its operator on Kubernetes).
      namespace: process.env.DYN_NAMESPACE ?? 'dynamo',
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
