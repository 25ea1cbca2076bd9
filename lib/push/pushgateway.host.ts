import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DistributedRuntime } from '../core/distributed-runtime';
import { MODULE_OPTIONS_TOKEN } from '../dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from '../interfaces';
import { PushgatewayPusher } from './pushgateway';

/**
 * The module's `push` option through the app's life: periodic pushes from bootstrap, a last one
 * at shutdown (after the app stopped serving, so it holds every request). Not exported from the
 * package.
 */
@Injectable()
export class PushgatewayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly pusher: PushgatewayPusher | undefined;

  constructor(
    runtime: DistributedRuntime,
    @Inject(MODULE_OPTIONS_TOKEN) options: DynamoMetricsModuleOptions,
  ) {
    if (!options.push) return;
    const logger = new Logger('DynamoMetrics');
    this.pusher = new PushgatewayPusher(runtime, options.push, {
      warn: (message) => logger.warn(message),
    });
  }

  onApplicationBootstrap(): void {
    this.pusher?.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pusher?.stop();
  }
}
