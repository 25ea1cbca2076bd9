import type { FrontendRequest } from './frontend-request';

/**
 * The handle of each request to a `@DynamoFrontend()` handler, by the adapter's request object
 * (kept only as long as that object lives). Not exported from the package.
 */
const handles = new WeakMap<object, FrontendRequest>();

/** Remembers the handle of an HTTP request. */
export function rememberFrontendRequest(request: object, handle: FrontendRequest): void {
  handles.set(request, handle);
}

/** The handle of an HTTP request, or `undefined` when no `@DynamoFrontend()` handler serves it. */
export function frontendRequestOf(request: unknown): FrontendRequest | undefined {
  return typeof request === 'object' && request !== null ? handles.get(request) : undefined;
}
