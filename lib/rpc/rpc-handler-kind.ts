import {
  GRPC_TRANSPORT,
  PATTERN_HANDLER_EVENT,
  PATTERN_HANDLER_METADATA,
  RPC_DEFAULT_PARAMS,
  TRANSPORT_METADATA,
} from './message-handler.constants';
import type { MessageHandlerKind } from './message-handler-kind';
import { jsonBytes } from './payload-bytes';

/** Nest's HTTP route metadata: a method that is also a route is measured as a route. */
const PATH_METADATA = 'path';

/**
 * `@MessagePattern()` (a reply per value) and `@EventPattern()` (no reply) handlers of
 * microservice controllers, on every transport but gRPC. Payload and replies are measured as
 * the JSON the transport carries them in. Not exported from the package.
 */
export const rpcHandlerKind: MessageHandlerKind = {
  in: 'controllers',
  hosts: () => true,
  handler(fn) {
    const type: unknown = Reflect.getMetadata(PATTERN_HANDLER_METADATA, fn);
    if (type === undefined) return undefined;
    if (Reflect.getMetadata(TRANSPORT_METADATA, fn) === GRPC_TRANSPORT) return undefined;
    if (Reflect.getMetadata(PATH_METADATA, fn) !== undefined) return undefined;
    return { replies: type !== PATTERN_HANDLER_EVENT };
  },
  defaultParams: () => structuredClone(RPC_DEFAULT_PARAMS),
  payloadIndex: 0,
  requestBytes: jsonBytes,
  replyBytes: jsonBytes,
};
