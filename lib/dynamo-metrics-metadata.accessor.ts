import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { componentNameOf } from './component-name.util';
import type { DynamoComponentMetadata } from './decorators/dynamo-component.decorator';
import type { DynamoEndpointMetadata } from './decorators/dynamo-endpoint.decorator';
import type { TimedMetadata } from './decorators/timed.decorator';
import {
  DYNAMO_COMPONENT_METADATA,
  DYNAMO_ENDPOINT_METADATA,
  TIMED_METADATA,
} from './dynamo-metrics.constants';

/** The one place that reads this package's decorator metadata. Not exported from the package. */
@Injectable()
export class DynamoMetricsMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** `@DynamoEndpoint()` of a handler, or of its class. */
  endpoint(
    target: abstract new (...args: never[]) => unknown,
    handler: (...args: never[]) => unknown,
  ): DynamoEndpointMetadata | undefined {
    return this.reflector.getAllAndOverride<DynamoEndpointMetadata | undefined>(
      DYNAMO_ENDPOINT_METADATA,
      [handler, target],
    );
  }

  /** `@Timed()` of a method. */
  timed(method: (...args: never[]) => unknown): TimedMetadata | undefined {
    return this.reflector.get<TimedMetadata | undefined>(TIMED_METADATA, method);
  }

  /** The component (and namespace, if set) of a class: its `@DynamoComponent()` or its name. */
  component(target: abstract new (...args: never[]) => unknown): {
    name: string;
    namespace?: string;
  } {
    const metadata = this.reflector.get<DynamoComponentMetadata | undefined>(
      DYNAMO_COMPONENT_METADATA,
      target,
    );
    return { name: metadata?.name ?? componentNameOf(target.name), namespace: metadata?.namespace };
  }
}
