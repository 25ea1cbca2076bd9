import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from 'nestjs-dynamo-metrics';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

@Module({
  imports: [DynamoMetricsModule.forRoot({ namespace: 'shop', uptime: false })],
  controllers: [OrdersController],
  providers: [OrdersService],
})
export class AppModule {}
