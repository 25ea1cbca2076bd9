import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SYSTEM_CONFIG } from './dynamo-metrics.constants';
import { DynamoMetricsExplorer } from './dynamo-metrics.explorer';
import type { SystemServerConfig } from './system/system-config';
import { SystemHealth } from './system/system-health';
import { SystemStatusServer } from './system/system-status-server';
import { listeningMessage, unknownRequiredEndpointMessage } from './system/system.messages';

/**
 * The system status server through the app's life: it listens from module init (probes see the
 * starting status), turns the endpoints ready once the app serves (its HTTP server listening, or
 * bootstrapped when it has none), reads `notready` from the moment shutdown begins, and closes
 * after the app's HTTP server, once a last scrape came or the scrape window passed. Not exported
 * from the package.
 */
@Injectable()
export class SystemStatusHost
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private readonly logger = new Logger('DynamoMetrics');

  constructor(
    private readonly server: SystemStatusServer,
    private readonly health: SystemHealth,
    @Inject(SYSTEM_CONFIG) private readonly config: SystemServerConfig,
    private readonly explorer: DynamoMetricsExplorer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  async onModuleInit(): Promise<void> {
    this.health.addEndpoints(this.explorer.endpointNames);
    if (this.config.port < 0) return;
    await this.server.start();
    this.logger.log(listeningMessage(this.server.url!));
  }

  onApplicationBootstrap(): void {
    const endpoints = this.explorer.endpointNames;
    for (const name of this.health.requiredEndpoints)
      if (!endpoints.has(name))
        this.logger.warn(unknownRequiredEndpointMessage(name, [...endpoints]));
    const started = () => this.health.markStarted(endpoints);
    const http = this.adapterHost?.httpAdapter?.getHttpServer?.() as
      { listening?: boolean; once(event: 'listening', listener: () => void): unknown } | undefined;
    if (http && http.listening === false) http.once('listening', started);
    else started();
  }

  onModuleDestroy(): void {
    this.health.beginShutdown();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.waitForScrape(this.config.shutdownScrapeWindowMs);
    await this.server.close();
  }
}
