import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { frontendRequestOf } from '../frontend/frontend-request-handles';

/**
 * Injects the `FrontendRequest` handle of the current request into a `@DynamoFrontend()`
 * handler (`undefined` elsewhere), to report its stages: `request.route(phase)`,
 * `request.dispatch(phase)`.
 */
export const DynamoFrontendRequest = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    context.getType() === 'http'
      ? frontendRequestOf(context.switchToHttp().getRequest())
      : undefined,
);
