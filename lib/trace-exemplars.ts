import type { ExemplarLabels } from './core/exemplar';

/**
 * Reads the exemplar of the current moment: the ids of the active span, if it is valid and
 * sampled; `undefined` otherwise. Not exported from the package.
 */
export type ExemplarSource = () => ExemplarLabels | undefined;

/** What an app's `TRACE_EXEMPLARS` provider holds. Not exported from the package. */
export interface TraceExemplars {
  /** `undefined`: exemplars are off, and nothing is done per request. */
  readonly source: ExemplarSource | undefined;
}

type OpenTelemetryApi = typeof import('@opentelemetry/api');

/** Loads `@opentelemetry/api`; a test passes another loader. */
export type ApiLoader = () => Promise<unknown>;

const importApi: ApiLoader = () => import('@opentelemetry/api');

/** The loads so far, by loader: the package is looked for once per process. */
const loads = new WeakMap<ApiLoader, Promise<OpenTelemetryApi | null>>();

/**
 * `@opentelemetry/api`, an optional peer dependency, or `null` when it is not installed (or is
 * not the API). A dynamic import: loaded only by apps that may use it, and in the module loader
 * of the app (a test runner's too), where the SDK registered its tracer.
 */
function openTelemetryApi(load: ApiLoader): Promise<OpenTelemetryApi | null> {
  let loading = loads.get(load);
  if (loading === undefined) {
    loading = load().then(
      (module) => {
        const api = (module as { trace?: unknown }).trace
          ? module
          : (module as { default?: unknown }).default;
        const usable = typeof (api as OpenTelemetryApi | undefined)?.trace?.getActiveSpan;
        return usable === 'function' ? (api as OpenTelemetryApi) : null;
      },
      () => null,
    );
    loads.set(load, loading);
  }
  return loading;
}

/**
 * The exemplar source of an app with the module option `exemplars`: `undefined` (nothing to do
 * per request) when it is `false` or `@opentelemetry/api` is not installed. Not exported from
 * the package.
 */
export async function traceExemplarSource(
  exemplars: boolean | undefined,
  load: ApiLoader = importApi,
): Promise<ExemplarSource | undefined> {
  if (exemplars === false) return undefined;
  const api = await openTelemetryApi(load);
  if (api === null) return undefined;
  const { trace, isSpanContextValid } = api;
  const sampled = api.TraceFlags.SAMPLED;
  return () => {
    try {
      const span = trace.getActiveSpan();
      if (span === undefined) return undefined;
      const context = span.spanContext();
      if ((context.traceFlags & sampled) === 0 || !isSpanContextValid(context)) return undefined;
      // Frozen: kept as it is, with no copy (FrontendMetrics copies what is not frozen).
      return Object.freeze({ trace_id: context.traceId, span_id: context.spanId });
    } catch {
      // A broken tracer costs the exemplar, never the request.
      return undefined;
    }
  };
}
