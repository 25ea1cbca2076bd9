import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from '../../lib';
import { CompletionsController } from './completions.controller';
import { ModelService } from './model.service';

@Module({
  imports: [DynamoMetricsModule.forRoot({ namespace: 'dynamo', defaultMetrics: true })],
  controllers: [CompletionsController],
  providers: [ModelService],
})
export class AppModule {}
