import { Module } from '@nestjs/common';
import { DynamoMetricsModule, type FrontendModel } from '../../lib';
import { ChatController } from './chat.controller';
import { CompletionsController } from './completions.controller';
import { EmbeddingsController } from './embeddings.controller';
import { MockLlmService } from './mock-llm.service';
import { ModelService } from './model.service';
import { ModelsController } from './models.controller';

/** The served models with their worker's configuration (dynamo_frontend_model_* gauges). */
const MODELS: FrontendModel[] = [
  {
    name: 'demo-llm',
    contextLength: 8192,
    kvCacheBlockSize: 16,
    totalKvBlocks: 2048,
    maxNumSeqs: 64,
    maxNumBatchedTokens: 4096,
  },
  { name: 'demo-embed', contextLength: 512, maxNumSeqs: 32 },
];

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      // Dynamo's processes take their namespace from DYN_NAMESPACE (set by its operator on Kubernetes).
      namespace: process.env.DYN_NAMESPACE ?? 'dynamo',
      defaultMetrics: true,
      // dynamo_frontend_* label any other model "unknown_model" (Dynamo's rule).
      frontend: { models: MODELS },
      // The live page at /metrics/ui, for looking at the sample without Prometheus.
      ui: true,
    }),
  ],
  controllers: [CompletionsController, ChatController, EmbeddingsController, ModelsController],
  providers: [ModelService, MockLlmService],
})
export class AppModule {}
