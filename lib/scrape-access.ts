import {
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { MODULE_OPTIONS_TOKEN } from './dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from './interfaces';
import type { ScrapeDenial, ScrapeGate, ScrapeGuardCall } from './system/scrape-gate';
import { SCRAPE_GATE } from './dynamo-metrics.constants';

/**
 * Who may read `/metrics`, on either port: the credentials (the gate) and the user's Nest guard,
 * which gets an HTTP execution context of the scrape's request and response. Not exported from
 * the package.
 */
@Injectable()
export class ScrapeAccess implements OnModuleInit {
  private guard: CanActivate | undefined;

  constructor(
    @Inject(SCRAPE_GATE) private readonly gate: ScrapeGate,
    private readonly moduleRef: ModuleRef,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DynamoMetricsModuleOptions,
  ) {}

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
    }
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

  /** The guard's call for one request, for the system status server's gate. */
  guardCall(request: unknown, response: unknown): ScrapeGuardCall | undefined {
    const guard = this.guard;
    if (!guard) return undefined;
    return async () => {
      const result = guard.canActivate(httpContext(request, response));
      return isObservable(result) ? lastValueFrom(result) : result;
    };
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
