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
import {
  exitingOnSignalMessage,
  listeningMessage,
  unknownRequiredEndpointMessage,
  waitingForScrapeMessage,
} from './system/system.messages';

/**
 * The system status server through the app's life: it listens from module init (probes see the
 * starting status), turns the endpoints ready once the app serves (its HTTP server listening, or
 * bootstrapped when it has none), reads `notready` from the moment shutdown begins, and closes
 * after the app's HTTP server, once a last scrape came or the scrape window passed. Until the
 * app serves, it does not keep the process alive. Not exported from the package.
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
    this.drainFirst();
    if (this.config.port < 0) return;
    await this.server.start();
    this.logger.log(listeningMessage(this.server.url!));
  }

  onApplicationBootstrap(): void {
    const endpoints = this.explorer.endpointNames;
    for (const name of this.health.requiredEndpoints)
      if (!endpoints.has(name))
        this.logger.warn(unknownRequiredEndpointMessage(name, [...endpoints]));
    const started = () => {
      this.health.markStarted(endpoints);
      this.server.keepProcessAlive();
    };
    const http = this.adapterHost?.httpAdapter?.getHttpServer?.() as HttpServerLike | undefined;
    if (!http || http.listening !== false) return started();
    // The app's server failing to listen (its port taken) must not leave this one running.
    const failed = () => {
      http.off('listening', listening);
      void this.server.close();
    };
    const listening = () => {
      http.off('error', failed);
      started();
    };
    http.once('listening', listening);
    http.once('error', failed);
  }

  /** For apps without an HTTP adapter, whose close has no earlier step (see {@link drainFirst}). */
  onModuleDestroy(): void {
    this.health.beginShutdown();
  }

  async onApplicationShutdown(): Promise<void> {
    const ms = this.config.shutdownScrapeWindowMs;
    const url = this.server.url;
    if (ms > 0 && url !== undefined) {
      // Said out loud: a silent ten-second wait after Ctrl+C looks like a hang.
      this.logger.log(waitingForScrapeMessage(url, ms));
      const stopListening = exitOnSignal(this.logger);
      try {
        await this.server.waitForScrape(ms);
      } finally {
        stopListening();
      }
    }
    await this.server.close();
  }

  /**
   * Turns everything notready in the first step of the app's close (the HTTP adapter's
   * `beforeClose`), before any module's destroy hook runs: this global module's own hooks come
   * after every other module's, which may drain for seconds.
   */
  private drainFirst(): void {
    const adapter = this.adapterHost?.httpAdapter as { beforeClose?: AnyFunction } | undefined;
    if (!adapter) return;
    const beforeClose = adapter.beforeClose;
    const health = this.health;
    adapter.beforeClose = function (this: unknown, ...args: unknown[]) {
      health.beginShutdown();
      return beforeClose?.apply(this, args);
    };
  }
}

/**
 * While the final scrape is awaited, a SIGINT or SIGTERM (the second one when the first began
 * the shutdown) ends the process at once, by that signal. Returns the function that stops
 * listening. Nest's own listener ignores signals once it is shutting down, so without this one
 * a second Ctrl+C would do nothing.
 */
function exitOnSignal(logger: Logger): () => void {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.warn(exitingOnSignalMessage(signal));
    // Without listeners the signal takes its default action: the process ends as killed by it.
    for (const name of signals) process.removeAllListeners(name);
    process.kill(process.pid, signal);
  };
  for (const name of signals) process.once(name, onSignal);
  return () => {
    for (const name of signals) process.off(name, onSignal);
  };
}

type AnyFunction = (...args: unknown[]) => unknown;

interface HttpServerLike {
  listening?: boolean;
  once(event: 'listening' | 'error', listener: () => void): unknown;
  off(event: 'listening' | 'error', listener: () => void): unknown;
}
