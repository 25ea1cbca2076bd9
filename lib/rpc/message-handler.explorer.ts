import {
  createParamDecorator,
  Inject,
  Injectable,
  Logger,
  type ExecutionContext,
  type OnApplicationShutdown,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { snakeCase } from '../component-name.util';
import { WorkHandlerMetrics } from '../core/work-handler-metrics';
import type { DynamoEndpointMetadata } from '../decorators/dynamo-endpoint.decorator';
import type { TimedMetadata } from '../decorators/timed.decorator';
import { ROUTE_ARGS_METADATA } from '../dynamo-metrics.constants';
import { DynamoMetricsExplorer } from '../dynamo-metrics.explorer';
import { DynamoMetricsMetadataAccessor } from '../dynamo-metrics-metadata.accessor';
import { recordingFailedMessage, requestScopedMessage } from '../dynamo-metrics.messages';
import { firstFailureReporter } from '../recording-failures';
import { MODULE_OPTIONS_TOKEN } from '../dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from '../interfaces';
import { wsHandlerKind } from '../ws/ws-handler-kind';
import { registerChannel } from './counting-deserializer';
import { PATTERN_METADATA, type ParamEntry } from './message-handler.constants';
import type { MessageHandlerKind } from './message-handler-kind';
import {
  wrapMessageHandler,
  type BindingResolver,
  type HandlerSlot,
  type MessageBinding,
} from './message-handler-wrapper';
import { rpcHandlerKind } from './rpc-handler-kind';

type AnyFunction = (...args: never[]) => unknown;

/** The extra parameter of a measured handler: Nest's execution context, i.e. its raw arguments. */
const RawArgs = createParamDecorator((_data: unknown, context: ExecutionContext) => context);

/** One decorated handler of one class of this app. */
interface Explored {
  readonly wrapper: InstanceWrapper;
  readonly metatype: Type;
  readonly methodName: string;
  readonly kind: MessageHandlerKind;
  readonly replies: boolean;
  readonly endpoint: DynamoEndpointMetadata | undefined;
  readonly timed: TimedMetadata | undefined;
  readonly slot: HandlerSlot;
  resolver?: BindingResolver;
  binding?: MessageBinding | null;
  /** Stops counting deserialization errors of its channels on it. */
  unregister?: () => void;
}

/**
 * Measures `@DynamoEndpoint()` / `@Timed()` handlers of microservices (`@MessagePattern()`,
 * `@EventPattern()`) and WebSocket gateways (`@SubscribeMessage()`) with the same work-handler
 * metrics as HTTP routes, without an interceptor: each such handler is wrapped once on its
 * class's prototype, and this app's instances are bound to their metrics. Not exported from the
 * package.
 */
@Injectable()
export class MessageHandlerExplorer implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('DynamoMetrics');
  private readonly explored: Explored[] = [];
  private readonly report = firstFailureReporter(this.logger);

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: DynamoMetricsMetadataAccessor,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DynamoMetricsModuleOptions,
    private readonly httpExplorer: DynamoMetricsExplorer,
  ) {
    // In the constructor, not in a lifecycle hook: Nest registers microservice handlers
    // (`connectMicroservice()`, a microservice's `listen()`) and gateways before the hooks run,
    // and takes the handler functions as it registers them. Only classes are touched here; the
    // instances are bound at module init, or at their first call if that comes earlier.
    for (const kind of [rpcHandlerKind, wsHandlerKind]) this.explore(kind);
    for (const { endpoint, methodName } of this.explored)
      if (endpoint) httpExplorer.endpointNames.add(endpoint.name ?? snakeCase(methodName));
  }

  onModuleInit(): void {
    for (const explored of this.explored) {
      const { wrapper, metatype, methodName, endpoint } = explored;
      if (!wrapper.isDependencyTreeStatic()) {
        const decorator = endpoint ? '@DynamoEndpoint()' : '@Timed()';
        this.logger.warn(requestScopedMessage(metatype.name, methodName, decorator));
        continue;
      }
      const binding = this.bindingOf(explored);
      if (binding && wrapper.instance) explored.slot.bind(wrapper.instance as object, binding);
    }
  }

  /** Calls of a closed app's instances are no longer resolved. */
  onApplicationShutdown(): void {
    for (const { slot, resolver, unregister } of this.explored) {
      if (resolver) slot.resolvers.delete(resolver);
      unregister?.();
    }
  }

  private explore(kind: MessageHandlerKind): void {
    const wrappers =
      kind.in === 'controllers' ? this.discovery.getControllers() : this.discovery.getProviders();
    for (const wrapper of wrappers) {
      const metatype = wrapper.metatype as Type | undefined;
      // Aliases and factory providers have no class of their own. A class provided twice has
      // two instances, each bound; its handlers are wrapped once.
      if (wrapper.isAlias || wrapper.inject || typeof metatype !== 'function') continue;
      if (!metatype.prototype || !kind.hosts(metatype)) continue;
      const prototype = metatype.prototype as Record<string, AnyFunction>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const fn = prototype[methodName];
        const handler = kind.handler(fn);
        if (!handler) continue;
        const endpoint = this.accessor.endpoint(metatype, fn);
        const timed = this.accessor.timed(fn);
        if (!endpoint && !timed) continue;
        const slot = wrapMessageHandler(prototype, methodName, () =>
          endpoint ? addRawArgsParam(metatype, methodName, fn, kind.defaultParams(fn)) : -1,
        );
        const explored: Explored = {
          wrapper,
          metatype,
          methodName,
          kind,
          replies: handler.replies,
          endpoint,
          timed,
          slot,
        };
        explored.resolver = (instance) =>
          instance === wrapper.instance && wrapper.isDependencyTreeStatic()
            ? (this.bindingOf(explored) ?? undefined)
            : undefined;
        slot.resolvers.add(explored.resolver);
        this.explored.push(explored);
      }
    }
  }

  /** The handler's metrics, created once; `null` when they cannot be (a clash, logged). */
  private bindingOf(explored: Explored): MessageBinding | null {
    if (explored.binding !== undefined) return explored.binding;
    const { metatype, methodName, kind, endpoint, timed } = explored;
    try {
      const component = this.httpExplorer.componentOf(metatype);
      const metrics = endpoint
        ? new WorkHandlerMetrics(component.endpoint(endpoint.name ?? snakeCase(methodName)), {
            constLabels: endpoint.constLabels,
            buckets: this.options.buckets?.requestDuration,
          })
        : undefined;
      const histogram = timed
        ? component.createHistogram(
            timed.name ?? `${snakeCase(methodName)}_duration_seconds`,
            `Duration of ${methodName} calls in seconds`,
            {
              buckets: timed.buckets ?? this.options.buckets?.timed,
              constLabels: timed.constLabels,
            },
          )
        : undefined;
      if (metrics && kind === rpcHandlerKind)
        explored.unregister = this.registerChannels(explored, metrics);
      explored.binding = {
        metrics,
        timed: histogram,
        payloadIndex: kind.payloadIndex,
        requestBytes: kind.requestBytes,
        replyBytes: explored.replies ? kind.replyBytes : undefined,
        report: this.report,
        exemplar: this.httpExplorer.exemplar,
      };
    } catch (error) {
      this.logger.error(recordingFailedMessage(error));
      explored.binding = null;
    }
    return explored.binding;
  }

  /** The handler's string and number patterns are the channels `countDeserializationErrors()` knows. */
  private registerChannels(explored: Explored, metrics: WorkHandlerMetrics): () => void {
    const fn = (explored.metatype.prototype as Record<string, AnyFunction>)[explored.methodName];
    const patterns: unknown[] = Reflect.getMetadata(PATTERN_METADATA, fn) ?? [];
    const unregister = patterns
      .filter((pattern) => typeof pattern === 'string' || typeof pattern === 'number')
      .map((pattern) => registerChannel(String(pattern), metrics));
    return () => unregister.forEach((stop) => stop());
  }
}

/**
 * Declares one more parameter, after every declared one, that receives Nest's execution context
 * (the raw payload, before pipes). A handler without parameter decorators keeps the parameters
 * Nest would have given it. Returns the parameter's index.
 */
function addRawArgsParam(
  metatype: Type,
  methodName: string,
  handler: AnyFunction,
  defaults: Record<string, ParamEntry>,
): number {
  const declared: Record<string, { index: number }> | undefined = Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    metatype,
    methodName,
  );
  const params = declared ?? defaults;
  if (!declared) Reflect.defineMetadata(ROUTE_ARGS_METADATA, params, metatype, methodName);
  const types: unknown[] =
    Reflect.getMetadata('design:paramtypes', metatype.prototype, methodName) ?? [];
  const index =
    Math.max(handler.length - 1, types.length - 1, ...Object.values(params).map((p) => p.index)) +
    1;
  RawArgs()(metatype.prototype, methodName, index);
  return index;
}
