import { Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DYNAMO_FRONTEND_METADATA, SSE_METADATA } from './frontend.constants';
import type { DynamoFrontendOptions } from './interfaces';

/** The one place that reads `@DynamoFrontend()` (and `@Sse()`) metadata. Not exported from the package. */
@Injectable()
export class FrontendMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  /** `@DynamoFrontend()` of a handler, or of its class. */
  frontend(
    target: abstract new (...args: never[]) => unknown,
    handler: (...args: never[]) => unknown,
  ): DynamoFrontendOptions<never> | undefined {
    return this.reflector.getAllAndOverride<DynamoFrontendOptions<never> | undefined>(
      DYNAMO_FRONTEND_METADATA,
      [handler, target],
    );
  }

  /** Whether the handler is an `@Sse()` one. */
  sse(handler: (...args: never[]) => unknown): boolean {
    return this.reflector.get<boolean | undefined>(SSE_METADATA, handler) === true;
  }
}
