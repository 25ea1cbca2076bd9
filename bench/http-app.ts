// One server of the HTTP benchmark, in its own process: `node http-app.js <express|fastify>
// <bare|instrumented|node-classes|no-exemplars|traced|traced-no-exemplars|willsoto|module|born>`. Prints `PORT=<port>` once listening on
// loopback.
import 'reflect-metadata';
import {
  type CallHandler,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Module,
  type NestInterceptor,
  type Provider,
} from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  InjectMetric,
  makeCounterProvider,
  makeHistogramProvider,
  PrometheusModule,
} from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { tap, type Observable } from 'rxjs';
import { DynamoEndpoint, DynamoMetricsModule } from '../lib';
import { bornWithPrototypes } from '../lib/http/node-http-hooks';

const [adapter, variant] = process.argv.slice(2);

@Controller()
class HelloController {
  @Get('hello')
  hello(): { hello: string } {
    return { hello: 'world' };
  }
}
// 'node-classes': instrumented, with `replaceServerClasses: false` (Node's own request and
// response classes; each response counted on its own). 'no-exemplars': instrumented, with
// `exemplars: false` (with @opentelemetry/api installed, 'instrumented' reads the active span).
// 'traced' / 'traced-no-exemplars': instrumented, every request served in a sampled span of the
// OpenTelemetry SDK (as @opentelemetry/instrumentation-http serves it), with exemplars on / off.
const TRACED = variant === 'traced' || variant === 'traced-no-exemplars';
if (
  variant === 'instrumented' ||
  variant === 'node-classes' ||
  variant === 'no-exemplars' ||
  TRACED
) {
  const descriptor = Object.getOwnPropertyDescriptor(HelloController.prototype, 'hello')!;
  DynamoEndpoint()(HelloController.prototype, 'hello', descriptor);
}

/** The usual prom-client interceptor of a @willsoto/nestjs-prometheus app. */
@Injectable()
class PromInterceptor implements NestInterceptor {
  constructor(
    @InjectMetric('http_request_duration_seconds') private readonly duration: Histogram<string>,
    @InjectMetric('http_requests_total') private readonly requests: Counter<string>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<{ method: string }>();
    const labels = { method: request.method, route: context.getHandler().name };
    const end = this.duration.startTimer(labels);
    return next.handle().pipe(
      tap({
        finalize: () => {
          end();
          this.requests.inc(labels);
        },
      }),
    );
  }
}

function imports(): unknown[] {
  // 'module': the module without any @DynamoEndpoint, to tell its cost from the routes'.
  if (variant === 'instrumented' || variant === 'module' || variant === 'traced')
    return [DynamoMetricsModule.forRoot({ uptime: false })];
  if (variant === 'node-classes')
    return [DynamoMetricsModule.forRoot({ uptime: false, replaceServerClasses: false })];
  if (variant === 'no-exemplars' || variant === 'traced-no-exemplars')
    return [DynamoMetricsModule.forRoot({ uptime: false, exemplars: false })];
  if (variant === 'willsoto')
    return [PrometheusModule.register({ defaultMetrics: { enabled: false } })];
  return [];
}

function providers(): Provider[] {
  if (variant !== 'willsoto') return [];
  return [
    makeHistogramProvider({
      name: 'http_request_duration_seconds',
      help: 'Duration',
      labelNames: ['method', 'route'],
    }),
    makeCounterProvider({
      name: 'http_requests_total',
      help: 'Requests',
      labelNames: ['method', 'route'],
    }),
    { provide: APP_INTERCEPTOR, useClass: PromInterceptor },
  ];
}

/** Serves every request of `server` in a span of its own, ended when the response closes. */
function traceEveryRequest(server: Server): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // No span processor: spans are sampled (the default sampler) and dropped when they end.
  trace.setGlobalTracerProvider(new BasicTracerProvider());
  const tracer = trace.getTracer('bench');
  const listeners = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const span = tracer.startSpan('GET /hello');
    response.once('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), () => {
      for (const listener of listeners) listener.call(server, request, response);
    });
  });
}

async function main(): Promise<void> {
  @Module({ imports: imports() as never[], controllers: [HelloController], providers: providers() })
  class AppModule {}
  const options = { logger: ['error' as const] };
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(AppModule, new FastifyAdapter(), options)
      : await NestFactory.create(AppModule, options);
  if (variant === 'born') {
    // 'born': the bare app whose server makes its requests and responses with Express's
    // prototypes, as `@DynamoEndpoint()` has it do; against it, what recording itself costs.
    const express = app.getHttpAdapter().getInstance() as { request: never; response: never };
    if (!bornWithPrototypes(app.getHttpServer(), express.request, express.response))
      throw new Error('the server could not be made to build Express objects');
  }
  // Before listen: Nest adds the app's request listener when it creates the server.
  if (TRACED) traceEveryRequest(app.getHttpServer() as Server);
  await app.listen(0, '127.0.0.1');
  console.log(`PORT=${(app.getHttpServer().address() as { port: number }).port}`);
}

void main();
