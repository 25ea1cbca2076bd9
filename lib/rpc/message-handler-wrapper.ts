import { isObservable, Observable } from 'rxjs';
import type { Histogram } from '../core/histogram';
import type { ExemplarLabels } from '../core/exemplar';
import type { WorkHandlerMetrics } from '../core/work-handler-metrics';
import type { ExemplarSource } from '../trace-exemplars';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** Nest's execution context, as the extra parameter hands it over: the handler's raw arguments. */
interface RawArgs {
  getArgByIndex(index: number): unknown;
}

/** What one app records for one handler of one of its instances. Not exported from the package. */
export interface MessageBinding {
  /** `@DynamoEndpoint()`'s work-handler metrics, if the handler has it. */
  readonly metrics: WorkHandlerMetrics | undefined;
  /** `@Timed()`'s histogram, if the handler has it. */
  readonly timed: Histogram | undefined;
  /** Where the payload is in Nest's raw arguments (RPC: 0, gateways: 1, after the socket). */
  readonly payloadIndex: number;
  /** Bytes of the payload as received. */
  readonly requestBytes: (payload: unknown) => number;
  /** Bytes of one reply value as sent; `undefined` when nothing is sent back (events). */
  readonly replyBytes: ((value: unknown) => number) | undefined;
  /** Told when recording fails: it is logged, never thrown at the handler. */
  readonly report: (error: unknown) => void;
  /** Reads the active span's exemplar when a call starts; `undefined`: exemplars are off. */
  readonly exemplar: ExemplarSource | undefined;
}

/** Finds the binding of an instance in one app; `undefined` when it is not that app's. */
export type BindingResolver = (instance: object) => MessageBinding | undefined;

/** A wrapped handler of a class: its apps' bindings, per instance. Not exported from the package. */
export interface HandlerSlot {
  readonly resolvers: Set<BindingResolver>;
  /** Index of the extra parameter that carries Nest's raw arguments; `-1` when there is none. */
  readonly contextIndex: number;
  bind(instance: object, binding: MessageBinding): void;
}

// Per prototype and method name: classes outlive apps (tests start many), and a handler is
// wrapped once; each app binds its own instances.
const slots = new WeakMap<object, Map<string, HandlerSlot>>();
const wrappers = new WeakSet<object>();

/** Whether a function is a handler wrapped here, which times itself for `@Timed()`. Not exported from the package. */
export function isWrappedMessageHandler(fn: unknown): boolean {
  return typeof fn === 'function' && wrappers.has(fn);
}

/**
 * Replaces a message handler on its class's prototype, once, with a wrapper that measures the
 * calls of the instances an app bound (or a resolver recognises) and passes every other call
 * through. On the prototype, because Nest's microservices read handlers from the instance and
 * its gateways from the prototype, both as they register them, which may be before any
 * lifecycle hook. `addContextParam` runs once, when the wrapper is installed, and returns the
 * index of the extra parameter it declared (or -1). Not exported from the package.
 */
export function wrapMessageHandler(
  prototype: Record<string, unknown>,
  methodName: string,
  addContextParam: () => number,
): HandlerSlot {
  let byMethod = slots.get(prototype);
  if (!byMethod) slots.set(prototype, (byMethod = new Map()));
  const known = byMethod.get(methodName);
  if (known) return known;

  const original = prototype[methodName] as Method;
  const contextIndex = addContextParam();
  const bindings = new WeakMap<object, MessageBinding | null>();
  const slot: HandlerSlot = {
    resolvers: new Set(),
    contextIndex,
    bind: (instance, binding) => bindings.set(instance, binding),
  };
  const bindingOf = (instance: object): MessageBinding | null => {
    let binding = bindings.get(instance);
    if (binding !== undefined) return binding;
    binding = null;
    for (const resolve of slot.resolvers) {
      const found = resolve(instance);
      if (found) {
        binding = found;
        break;
      }
    }
    bindings.set(instance, binding);
    return binding;
  };

  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    let context: RawArgs | undefined;
    if (contextIndex >= 0) {
      const extra = args[contextIndex] as Partial<RawArgs> | null | undefined;
      if (typeof extra?.getArgByIndex === 'function') context = extra as RawArgs;
      // Nest passes exactly one argument more; a direct call may pass fewer.
      if (args.length === contextIndex + 1) args.pop();
      else if (args.length > contextIndex) args.length = contextIndex;
    }
    const binding = typeof this === 'object' && this !== null ? bindingOf(this) : null;
    if (binding === null) return original.apply(this, args);
    return measure(binding, original, this, args, context);
  };
  // Nest reads the pattern, the guards, interceptors and this package's own metadata from the
  // function: the wrapper carries them.
  for (const key of Reflect.getMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getMetadata(key, original), wrapped);
  }
  Object.defineProperty(wrapped, 'name', { value: original.name });
  Object.defineProperty(prototype, methodName, {
    value: wrapped,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  wrappers.add(wrapped);
  byMethod.set(methodName, slot);
  return slot;
}

/**
 * Calls the handler and records it. Work-handler metrics only for calls Nest made (they carry
 * the raw arguments); `@Timed()` for every call, as on any other method.
 */
function measure(
  binding: MessageBinding,
  method: Method,
  self: unknown,
  args: unknown[],
  context: RawArgs | undefined,
): unknown {
  const metrics = context === undefined ? undefined : binding.metrics;
  if (metrics === undefined && binding.timed === undefined) return method.apply(self, args);
  const call = new MessageCall(binding, metrics);
  if (metrics !== undefined) call.begin(context!.getArgByIndex(binding.payloadIndex));
  let result: unknown;
  try {
    result = method.apply(self, args);
  } catch (error) {
    call.end('generate');
    throw error;
  }
  return call.watch(result);
}

/**
 * One call of a handler, from the call until its reply ends: returned, settled, or its
 * Observable completed, errored or was unsubscribed. Recorded once.
 */
class MessageCall {
  private readonly startedAt = performance.now();
  private replied = false;
  private done = false;
  /** The span active when the call started: its reply may end outside it. */
  private readonly exemplar: ExemplarLabels | undefined;

  constructor(
    private readonly binding: MessageBinding,
    private readonly metrics: WorkHandlerMetrics | undefined,
  ) {
    const source = binding.exemplar;
    this.exemplar = source === undefined ? undefined : source();
  }

  begin(payload: unknown): void {
    try {
      const metrics = this.metrics!;
      metrics.requests.inc();
      metrics.inflight.inc();
      metrics.requestBytes.incBy(this.binding.requestBytes(payload));
    } catch (error) {
      this.binding.report(error);
    }
  }

  watch(result: unknown): unknown {
    if (isObservable(result)) return this.watchStream(result);
    if (typeof (result as { then?: unknown } | null)?.then === 'function') {
      return (result as Promise<unknown>).then(
        (value) => {
          if (isObservable(value)) return this.watchStream(value);
          this.reply(value);
          this.end(undefined);
          return value;
        },
        (error: unknown) => {
          this.end('generate');
          throw error;
        },
      );
    }
    this.reply(result);
    this.end(undefined);
    return result;
  }

  /** Every value is a reply chunk; an error after the first is the stream's, before it the handler's. */
  private watchStream(source: Observable<unknown>): Observable<unknown> {
    return new Observable<unknown>((subscriber) => {
      const subscription = source.subscribe({
        next: (value) => {
          this.reply(value);
          subscriber.next(value);
        },
        error: (error: unknown) => {
          this.end(this.replied ? 'response_stream' : 'generate');
          subscriber.error(error);
        },
        complete: () => {
          this.end(undefined);
          subscriber.complete();
        },
      });
      // Unsubscribed before it ended: the client went away (a WebSocket closed) or an
      // interceptor stopped the stream.
      return () => {
        subscription.unsubscribe();
        this.end(undefined, true);
      };
    });
  }

  private reply(value: unknown): void {
    this.replied = true;
    const { metrics } = this;
    const replyBytes = this.binding.replyBytes;
    if (metrics === undefined || replyBytes === undefined) return;
    try {
      metrics.responseBytes.incBy(replyBytes(value));
    } catch (error) {
      this.binding.report(error);
    }
  }

  end(errorType: string | undefined, cancelled = false): void {
    if (this.done) return;
    this.done = true;
    try {
      const seconds = (performance.now() - this.startedAt) / 1000;
      const { exemplar, metrics } = this;
      const timed = this.binding.timed;
      if (timed !== undefined) observe(timed, seconds, exemplar);
      if (metrics === undefined) return;
      metrics.inflight.dec();
      observe(metrics.duration, seconds, exemplar);
      if (errorType !== undefined) metrics.error(errorType);
      if (cancelled) metrics.cancellations.inc();
    } catch (error) {
      this.binding.report(error);
    }
  }
}

function observe(
  histogram: Histogram,
  seconds: number,
  exemplar: ExemplarLabels | undefined,
): void {
  if (exemplar === undefined) histogram.observe(seconds);
  else histogram.observeExemplar(seconds, exemplar);
}
