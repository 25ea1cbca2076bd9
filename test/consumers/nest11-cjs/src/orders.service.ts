import { Injectable } from '@nestjs/common';
import { InjectComponent, Timed, type Component, type IntCounter } from 'nestjs-dynamo-metrics';
import { logBuckets } from 'nestjs-dynamo-metrics/core';

@Injectable()
export class OrdersService {
  private readonly placed: IntCounter;

  constructor(@InjectComponent('orders') orders: Component) {
    this.placed = orders.createIntCounter('orders_placed_total', 'Orders placed');
  }

  @Timed('price_seconds', { buckets: logBuckets(0.001, 10, 5) })
  price(items: number): number {
    this.placed.inc();
    return items * 3;
  }
}
