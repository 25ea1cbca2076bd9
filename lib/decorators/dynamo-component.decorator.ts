import { SetMetadata } from '@nestjs/common';
import { DYNAMO_COMPONENT_METADATA } from '../dynamo-metrics.constants';

/** Where a decorated class's metrics live. */
export interface DynamoComponentOptions {
  /** The namespace; default the module's `namespace`. */
  namespace?: string;
}

/** What `@DynamoComponent()` records. Not exported from the package. */
export interface DynamoComponentMetadata extends DynamoComponentOptions {
  name?: string;
}

/**
 * The Dynamo component of a controller or provider class. Default name: the class name without
 * `Controller`/`Service`, in snake_case (`OrderItemsController` → `order_items`).
 */
export const DynamoComponent = (
  name?: string,
  options: DynamoComponentOptions = {},
): ClassDecorator =>
  SetMetadata<string, DynamoComponentMetadata>(DYNAMO_COMPONENT_METADATA, { name, ...options });
