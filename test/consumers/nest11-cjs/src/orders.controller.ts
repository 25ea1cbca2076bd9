import { Body, Controller, Post } from '@nestjs/common';
import { DynamoEndpoint } from 'nestjs-dynamo-metrics';
import { OrdersService } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @DynamoEndpoint('place')
  place(@Body() body: { items: number }): { total: number } {
    return { total: this.orders.price(body.items) };
  }
}
