import type { FrontendErrorType } from './interfaces';

/**
 * Dynamo's `error_type` of an HTTP status: 404 `not_found`; 429, 503 and 529 `overload`; 501
 * `not_implemented`; 408 and 504 `response_timeout`; any other 4xx `validation`; the rest
 * `internal`.
 */
export function errorTypeOfStatus(status: number): FrontendErrorType {
  if (status === 404) return 'not_found';
  if (status === 429 || status === 503 || status === 529) return 'overload';
  if (status === 501) return 'not_implemented';
  if (status === 408 || status === 504) return 'response_timeout';
  if (status >= 400 && status < 500) return 'validation';
  return 'internal';
}

/**
 * The HTTP status an exception stands for: an `HttpException`'s `getStatus()`, or a numeric
 * `status` / `statusCode` (http-errors, Fastify's errors); `undefined` for anything else.
 */
export function statusOfException(exception: unknown): number | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const error = exception as { getStatus?: unknown; status?: unknown; statusCode?: unknown };
  let status: unknown;
  if (typeof error.getStatus === 'function') {
    try {
      status = (error.getStatus as () => unknown)();
    } catch {
      status = undefined;
    }
  } else status = error.status ?? error.statusCode;
  return Number.isInteger(status) && (status as number) >= 100 && (status as number) <= 999
    ? (status as number)
    : undefined;
}

/** Dynamo's `error_type` of an exception: by its HTTP status, else `internal`. */
export function errorTypeOfException(exception: unknown): FrontendErrorType {
  const status = statusOfException(exception);
  return status === undefined ? 'internal' : errorTypeOfStatus(status);
}
