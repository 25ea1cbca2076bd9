import {
  GATEWAY_METADATA,
  MESSAGE_MAPPING_METADATA,
  WS_ACK_PARAM,
  WS_DEFAULT_PARAMS,
} from '../rpc/message-handler.constants';
import type { MessageHandlerKind } from '../rpc/message-handler-kind';
import { jsonBytes, sentJsonBytes } from '../rpc/payload-bytes';

/**
 * `@SubscribeMessage()` handlers of `@WebSocketGateway()` providers. Nest calls them with the
 * socket first and the message's `data` second; every value they return (or emit) that is not
 * `null`/`undefined` is sent back as one JSON frame. Not exported from the package.
 */
export const wsHandlerKind: MessageHandlerKind = {
  in: 'providers',
  hosts: (metatype) => Reflect.getMetadata(GATEWAY_METADATA, metatype) !== undefined,
  handler: (fn) =>
    Reflect.getMetadata(MESSAGE_MAPPING_METADATA, fn) === undefined ? undefined : { replies: true },
  defaultParams: (fn) =>
    structuredClone(fn.length >= 3 ? { ...WS_DEFAULT_PARAMS, ...WS_ACK_PARAM } : WS_DEFAULT_PARAMS),
  payloadIndex: 1,
  requestBytes: jsonBytes,
  replyBytes: sentJsonBytes,
};
