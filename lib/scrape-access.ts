import {
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { MODULE_OPTIONS_TOKEN } from './dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from './interfaces';
import type { ScrapeDenial, ScrapeGate, ScrapeGuardCall } from './system/scrape-gate';
import { DEFAULT_COLLECT_TIMEOUT_MS } from './core/core.constants';
import { SCRAPE_GATE } from './dynamo-metrics.constants';
import { guardTimedOutMessage, notStartedMessage } from './system/system.messages';

/**
 * Who may read `/metrics`, on either port: the credentials (the gate) and the user's Nest guard,
 * which gets an HTTP execution context of the scrape's request and response. Not exported from
 * the package.
 */
@Injectable()
export class ScrapeAccess
  implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown
{
  private guard: CanActivate | undefined;
  /** Made here, not taken from the app: its lifecycle hooks are ours to call. */
  private created = false;
  /** Every module has initialised: the guard (and whatever it depends on) is ready. */
  private started = false;
  private readonly timeoutMs: number;

  constructor(
    @Inject(SCRAPE_GATE) private readonly gate: ScrapeGate,
    private readonly moduleRef: ModuleRef,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DynamoMetricsModuleOptions,
  ) {
    this.timeoutMs = options.collectTimeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  }

  /** A guard given as a class is the app's instance if it has one, else made with its dependencies. */
  async onModuleInit(): Promise<void> {
    const guard = this.options.auth?.guard;
    if (typeof guard !== 'function') {
      this.guard = guard;
      return;
    }
    try {
      this.guard = this.moduleRef.get(guard, { strict: false });
    } catch {
      this.guard = await this.moduleRef.create(guard as Type<CanActivate>);
      this.created = true;
    }
  }

  /** After every module's init: a guard made here gets the hooks Nest would have called. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.created) {
      const guard = this.guard as Hooks;
      await guard.onModuleInit?.();
      await guard.onApplicationBootstrap?.();
    }
    this.started = true;
  }

  async onModuleDestroy(): Promise<void> {
    if (this.created) await (this.guard as Hooks).onModuleDestroy?.();
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    if (this.created) await (this.guard as Hooks).onApplicationShutdown?.(signal);
  }

  /** Whether the scrape is protected at all (else {@link check} need not be called). */
  get enabled(): boolean {
    return this.gate.enabled;
  }

  /** `undefined` when the request may read the metrics, else what to answer. */
  check(
    authorization: string | string[] | undefined,
    request: unknown,
    response: unknown,
  ): Promise<ScrapeDenial | undefined> {
    return this.gate.check(authorization, this.guardCall(request, response));
  }

  /**
   * The guard's call for one request, for the system status server's gate: `503` until the app
   * has started (the system status server listens earlier), a failure after `collectTimeoutMs`.
   */
  guardCall(request: unknown, response: unknown): ScrapeGuardCall | undefined {
    if (this.options.auth?.guard === undefined) return undefined;
    if (!this.started) return notStarted;
    const guard = this.guard!;
    return () => {
      const result = guard.canActivate(httpContext(request, response));
      const answer = isObservable(result) ? lastValueFrom(result) : result;
      return this.timeoutMs === Infinity ? answer : withTimeout(answer, this.timeoutMs);
    };
  }
}

type Hooks = Partial<
  OnModuleInit & OnApplicationBootstrap & OnModuleDestroy & OnApplicationShutdown
>;

/** What a scrape gets before the app has started: the gate answers an `HttpException`'s status. */
const notStarted: ScrapeGuardCall = () => {
  throw Object.assign(new Error(notStartedMessage), { getStatus: () => 503 });
};

async function withTimeout<T>(work: T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(guardTimedOutMessage(ms))), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A guard's view of the scrape: an HTTP request to {@link ScrapeAccess.check}. */
function httpContext(request: unknown, response: unknown): ExecutionContext {
  const args = [request, response];
  const http = {
    getRequest: <T>() => request as T,
    getResponse: <T>() => response as T,
    getNext: <T>() => undefined as T,
  };
  const unsupported = () => {
    throw new Error('The scrape is an HTTP request: use switchToHttp()');
  };
  return {
    getClass: <T>() => ScrapeAccess as unknown as Type<T>,
    getHandler: () => ScrapeAccess.prototype.check,
    getArgs: <T extends unknown[]>() => args as T,
    getArgByIndex: <T>(index: number) => args[index] as T,
    getType: <T extends string>() => 'http' as T,
    switchToHttp: () => http,
    switchToRpc: unsupported,
    switchToWs: unsupported,
  } as ExecutionContext;
}
