import { SetMetadata } from '@nestjs/common';
import type { ConstLabels } from '../core/interfaces/metric-options.interface';
import { DYNAMO_ENDPOINT_METADATA } from '../dynamo-metrics.constants';
import type { ErrorTypeMapper } from '../interfaces';

/** Options of `@DynamoEndpoint()`. */
export interface DynamoEndpointOptions {
  /** Added to every work-handler metric of the endpoint (e.g. `{ model: 'llama' }`). */
  constLabels?: ConstLabels;
  /** Maps an exception of this handler to an `error_type` value (before the module's). */
  errorType?: ErrorTypeMapper;
}

/** What `@DynamoEndpoint()` records. Not exported from the package. */
export interface DynamoEndpointMetadata extends DynamoEndpointOptions {
  name?: string;
}

/**
 * Gives a route handler (or, on a controller, each of its handlers) Dynamo's work-handler
 * metrics (requests, duration, inflight, bytes, errors, cancellations) on the endpoint `name`
 * (default: the method name in snake_case) of the class's component.
 */
export const DynamoEndpoint = (
  name?: string,
  options: DynamoEndpointOptions = {},
): MethodDecorator & ClassDecorator =>
  SetMetadata<string, DynamoEndpointMetadata>(DYNAMO_ENDPOINT_METADATA, { name, ...options });
