import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { componentNameOf } from './component-name.util';
import type { DynamoComponentMetadata } from './decorators/dynamo-component.decorator';
import { DYNAMO_COMPONENT_METADATA } from './dynamo-metrics.constants';

/** The one place that reads this package's decorator metadata. @internal */
@Injectable()
export class DynamoMetricsMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

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
