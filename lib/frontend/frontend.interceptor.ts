import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Observable } from 'rxjs';
import type { RawResponse } from './frontend-exchange';
import { FrontendRoutes } from './frontend-routes';
import type { FrontendHttpRequest } from './interfaces';

/**
 * What `@DynamoFrontend()` applies: begins a request's frontend metrics when it reaches the
 * handler (after guards; pipes run inside, so their rejections count as `validation`) and reads
 * what the handler produces. Finds the module's `FrontendRoutes` itself, so a controller's module
 * needs nothing imported. Results and exceptions pass through unchanged. Not exported from the package.
 */
@Injectable()
export class FrontendInterceptor implements NestInterceptor {
  private routes: FrontendRoutes | null | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const routes = (this.routes ??= this.findRoutes());
    if (routes === null) return next.handle();
    let exchange;
    try {
      const route = routes.route(
        context.getHandler() as (...args: never[]) => unknown,
        context.getClass(),
      );
      if (route === undefined) return next.handle();
      const http = context.switchToHttp();
      const response = http.getResponse<{ raw?: RawResponse } & RawResponse>();
      exchange = routes.begin(
        route,
        http.getRequest<FrontendHttpRequest>(),
        response.raw ?? response,
      );
    } catch (error) {
      routes.report(error);
      return next.handle();
    }
    return exchange.observe(next.handle());
  }

  /** `null` when the app has no `DynamoMetricsModule`: nothing is recorded. */
  private findRoutes(): FrontendRoutes | null {
    try {
      return this.moduleRef.get(FrontendRoutes, { strict: false });
    } catch {
      return null;
    }
  }
}
