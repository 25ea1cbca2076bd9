import type { ParamEntry } from './message-handler.constants';

type AnyFunction = (...args: never[]) => unknown;

/**
 * A kind of message handler Nest registers outside HTTP: what marks it, where Nest finds it, and
 * how its payload and replies are measured. Not exported from the package.
 */
export interface MessageHandlerKind {
  /** Where Nest looks for these handlers: in controllers (microservices) or providers (gateways). */
  readonly in: 'controllers' | 'providers';
  /** Whether instances of the class can have these handlers. */
  hosts(metatype: object): boolean;
  /** `undefined` when the function is not such a handler; else whether its result is sent back. */
  handler(fn: AnyFunction): { replies: boolean } | undefined;
  /** The parameters Nest passes a handler that has no parameter decorators. */
  defaultParams(fn: AnyFunction): Record<string, ParamEntry>;
  /** Where the payload is in Nest's raw arguments. */
  readonly payloadIndex: number;
  /** Bytes of the payload as received. */
  requestBytes(payload: unknown): number;
  /** Bytes of one reply value as sent. */
  replyBytes(value: unknown): number;
}
