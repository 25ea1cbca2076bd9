import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { DYNAMO_FRONTEND_METADATA } from '../frontend/frontend.constants';
import { invalidEndpointMessage } from '../frontend/frontend.messages';
import { FrontendInterceptor } from '../frontend/frontend.interceptor';
import type { DynamoFrontendOptions, FrontendHttpRequest } from '../frontend/interfaces';

/**
 * Gives an LLM route handler (or each handler of a controller) Dynamo's frontend metrics
 * (`dynamo_frontend_*`, by `model`): requests by status and `error_type`, inflight and queued
 * requests, duration, time to first token, inter-token latency, input, output and cached tokens,
 * read from the OpenAI chunks it streams (`@Sse()` Observable, async iterable, Node stream) or
 * its answer's `usage`.
 */
export function DynamoFrontend<TRequest = FrontendHttpRequest>(
  options: DynamoFrontendOptions<TRequest>,
): MethodDecorator & ClassDecorator {
  if (typeof options?.endpoint !== 'string' || options.endpoint === '') {
    throw new Error(invalidEndpointMessage(options?.endpoint));
  }
  return applyDecorators(
    SetMetadata(DYNAMO_FRONTEND_METADATA, options),
    UseInterceptors(FrontendInterceptor),
  );
}
