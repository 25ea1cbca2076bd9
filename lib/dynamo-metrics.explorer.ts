import { Inject, Injectable, Logger, type OnModuleInit, type Type } from '@nestjs/common';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { snakeCase } from './component-name.util';
import type { Component } from './core/component';
import { DistributedRuntime } from './core/distributed-runtime';
import { WorkHandlerMetrics } from './core/work-handler-metrics';
import {
  DEFAULT_NAMESPACE,
  REQUEST_PARAM_TYPE,
  ROUTE_ARGS_METADATA,
  TRACE_EXEMPLARS,
} from './dynamo-metrics.constants';
import { DynamoMetricsMetadataAccessor } from './dynamo-metrics-metadata.accessor';
import { requestScopedMessage } from './dynamo-metrics.messages';
import { MODULE_OPTIONS_TOKEN } from './dynamo-metrics.module-definition';
import { wrapHandler } from './http/handler-wrapper';
import { isWrappedMessageHandler } from './rpc/message-handler-wrapper';
import type { TrackedEndpoint } from './http/request-state';
import { wrapTimed } from './timed-wrapper';
import type { ExemplarSource, TraceExemplars } from './trace-exemplars';
import type { DynamoMetricsModuleOptions, ErrorTypeContext, ErrorTypeMapper } from './interfaces';

/** Nest's route metadata on a handler (stable since Nest 5). */
const PATH_METADATA = 'path';

/** The metrics of an instrumented handler, on the handler function Nest registers. Not exported from the package. */
export const WORK_HANDLER_METRICS = 'DYNAMO_METRICS:WORK_HANDLER_METRICS';

// The index of the request argument added to a handler, per class and method: classes outlive
// apps (tests start many), and the argument must be added once.
const requestIndexes = new WeakMap<object, Map<string, number>>();

/**
 * Finds the `@DynamoEndpoint()` handlers once, before Nest registers the routes: gives each its
 * work-handler metrics and replaces it, on the controller instance, with a wrapper that tells
 * the request's state what the handler did. Not exported from the package. */
@Injectable()
export class DynamoMetricsExplorer implements OnModuleInit {
  private readonly logger = new Logger('DynamoMetrics');
  private timed = false;
  /** `dynamo_endpoint` of every instrumented handler: what the health reports. */
  readonly endpointNames = new Set<string>();
  /** The app's exemplars of traced calls: `undefined` when off (see the `exemplars` option). */
  readonly exemplar: ExemplarSource | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: DynamoMetricsMetadataAccessor,
    private readonly runtime: DistributedRuntime,
    @Inject(MODULE_OPTIONS_TOKEN) private readonly options: DynamoMetricsModuleOptions,
    @Inject(TRACE_EXEMPLARS) exemplars: TraceExemplars,
  ) {
    this.exemplar = exemplars.source;
  }

  /**
   * Wraps the `@Timed()` methods of every provider and controller, then instruments every
   * `@DynamoEndpoint()` handler; returns how many handlers.
   */
  explore(): number {
    this.timeAll();
    const controllers = this.discovery.getControllers();
    let count = 0;
    for (const wrapper of controllers) count += this.instrumentHandlers(wrapper);
    return count;
  }

  /** Apps without HTTP (workers, microservices) never call configure(): time their methods here. */
  onModuleInit(): void {
    this.timeAll();
  }

  private timeAll(): void {
    if (this.timed) return;
    this.timed = true;
    const seen = new Set<object>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { instance } = wrapper;
      // An alias (useExisting) or a second token of the same instance is timed once.
      if (wrapper.isAlias || !instance || typeof instance !== 'object' || seen.has(instance))
        continue;
      seen.add(instance);
      this.timeMethods(wrapper);
    }
  }

  private timeMethods(wrapper: InstanceWrapper): void {
    const instance = wrapper.instance;
    // The class of the instance, not the provider's factory function.
    const metatype = (instance as object).constructor as Type;
    const prototype = Object.getPrototypeOf(instance);
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const timed = this.accessor.timed(prototype[methodName]);
      // Microservice and gateway handlers time themselves (see MessageHandlerExplorer).
      if (!timed || isWrappedMessageHandler(prototype[methodName])) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(requestScopedMessage(metatype.name, methodName, '@Timed()'));
        continue;
      }
      const histogram = this.componentOf(metatype).createHistogram(
        timed.name ?? `${snakeCase(methodName)}_duration_seconds`,
        `Duration of ${methodName} calls in seconds`,
        { buckets: timed.buckets ?? this.options.buckets?.timed, constLabels: timed.constLabels },
      );
      instance[methodName] = wrapTimed(instance[methodName], histogram, this.exemplar);
    }
  }

  private instrumentHandlers(wrapper: InstanceWrapper): number {
    const { instance } = wrapper;
    const metatype = wrapper.metatype as Type | undefined;
    if (!instance || !metatype) return 0;
    let count = 0;
    const prototype = Object.getPrototypeOf(instance);
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const handler = prototype[methodName];
      if (Reflect.getMetadata(PATH_METADATA, handler) === undefined) continue;
      const endpoint = this.accessor.endpoint(metatype, handler);
      if (!endpoint) continue;
      if (!wrapper.isDependencyTreeStatic()) {
        this.logger.warn(requestScopedMessage(metatype.name, methodName, '@DynamoEndpoint()'));
        continue;
      }
      const level = this.componentOf(metatype).endpoint(endpoint.name ?? snakeCase(methodName));
      const metrics: TrackedEndpoint = new WorkHandlerMetrics(level, {
        constLabels: endpoint.constLabels,
        buckets: this.options.buckets?.requestDuration,
      });
      metrics.errorType = errorTypeOf(
        {
          namespace: level.component.namespace.path,
          component: level.component.name,
          endpoint: level.name,
        },
        endpoint.errorType,
        this.options.errorType,
      );
      metrics.exemplar = this.exemplar;
      // instance[methodName] may already be @Timed's wrapper: then both measure.
      const wrapped = wrapHandler(
        instance[methodName],
        this.requestIndex(metatype, methodName, handler),
      );
      Reflect.defineMetadata(WORK_HANDLER_METRICS, metrics, wrapped);
      instance[methodName] = wrapped;
      this.endpointNames.add(level.name);
      count++;
    }
    return count;
  }

  /** The component of a decorated class (its `@DynamoComponent()`, else its name). @internal */
  componentOf(metatype: Type): Component {
    const component = this.accessor.component(metatype);
    return this.runtime
      .namespace(component.namespace ?? this.options.namespace ?? DEFAULT_NAMESPACE)
      .component(component.name);
  }

  /** Asks Nest to pass the request as one more argument, after every declared one. */
  private requestIndex(
    metatype: object,
    methodName: string,
    handler: (...args: never[]) => unknown,
  ): number {
    let byMethod = requestIndexes.get(metatype);
    if (!byMethod) requestIndexes.set(metatype, (byMethod = new Map()));
    const known = byMethod.get(methodName);
    if (known !== undefined) return known;
    const params: Record<string, { index: number }> =
      Reflect.getMetadata(ROUTE_ARGS_METADATA, metatype, methodName) ?? {};
    const types: unknown[] =
      Reflect.getMetadata(
        'design:paramtypes',
        (metatype as { prototype: object }).prototype,
        methodName,
      ) ?? [];
    const index =
      Math.max(handler.length - 1, types.length - 1, ...Object.values(params).map((p) => p.index)) +
      1;
    Reflect.defineMetadata(
      ROUTE_ARGS_METADATA,
      { ...params, [`${REQUEST_PARAM_TYPE}:${index}`]: { index, data: undefined, pipes: [] } },
      metatype,
      methodName,
    );
    byMethod.set(methodName, index);
    return index;
  }
}

/** The decorator's mapping first, then the module's; a mapper that throws counts as no answer. */
function errorTypeOf(
  names: Pick<ErrorTypeContext, 'namespace' | 'component' | 'endpoint'>,
  ...mappers: (ErrorTypeMapper | undefined)[]
): TrackedEndpoint['errorType'] {
  const given = mappers.filter((mapper): mapper is ErrorTypeMapper => mapper !== undefined);
  if (given.length === 0) return undefined;
  return (exception, request, response) => {
    const context: ErrorTypeContext = { ...names, request, response };
    for (const mapper of given) {
      try {
        const type = mapper(exception, context);
        if (typeof type === 'string' && type !== '') return type;
      } catch {
        // The user's mapping must not break the recording; the default applies.
      }
    }
    return undefined;
  };
}
