import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { context, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** The OpenTelemetry SDK, registered globally with an in-memory exporter and AsyncLocalStorage. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly exporter: InMemorySpanExporter;
  /** Unregisters the SDK. */
  shutdown(): Promise<void>;
}

export function startTracing(): Tracing {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  return {
    tracer: trace.getTracer('exemplars-test'),
    exporter,
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}

type Listener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Serves each request of `server` inside a span of its own, named `METHOD path`, as
 * `@opentelemetry/instrumentation-http` does: the span is active for the listeners and for the
 * request's and response's events, and ends when the response closes. Requests for `/metrics`
 * and with `x-untraced` get none; with `x-unsampled`, an unsampled span context.
 */
export function traceRequests(server: Server, tracer: Tracer): void {
  const listeners = server.listeners('request') as Listener[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const serve = () => {
      for (const listener of listeners) listener.call(server, request, response);
    };
    if (request.url?.startsWith('/metrics') || request.headers['x-untraced'] !== undefined) {
      return serve();
    }
    const span =
      request.headers['x-unsampled'] !== undefined
        ? trace.wrapSpanContext({
            traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
            spanId: 'bbbbbbbbbbbbbbbb',
            traceFlags: TraceFlags.NONE,
          })
        : tracer.startSpan(`${request.method} ${request.url}`);
    const active = trace.setSpan(context.active(), span);
    context.bind(active, request);
    context.bind(active, response);
    response.once('close', () => span.end());
    context.with(active, serve);
  });
}

/** Every exemplar of an OpenMetrics scrape: the bucket line's family and its ids. */
export function exemplarsOf(
  text: string,
): { metric: string; le: string; trace_id: string; span_id: string }[] {
  const found = [];
  for (const line of text.split('\n')) {
    const match =
      /^(\w+)_bucket\{.*le="([^"]+)"\} \d+ # \{trace_id="(\w+)",span_id="(\w+)"\} [\d.e+-]+ \d+(\.\d+)?$/.exec(
        line,
      );
    if (match)
      found.push({ metric: match[1], le: match[2], trace_id: match[3], span_id: match[4] });
    else if (line.includes(' # {')) throw new Error(`an exemplar line not as expected: ${line}`);
  }
  return found;
}
