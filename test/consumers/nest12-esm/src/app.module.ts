import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from 'nestjs-dynamo-metrics';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';

@Module({
  imports: [DynamoMetricsModule.forRoot({ namespace: 'shop', uptime: false })],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class AppModule {}
