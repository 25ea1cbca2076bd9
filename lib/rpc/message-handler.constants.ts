// Metadata keys of @nestjs/microservices and @nestjs/websockets (stable since Nest 5), written
// out so that this package never loads either: an app without them must not need them installed.

/** `@MessagePattern()` / `@EventPattern()`: 1 = message (has a reply), 2 = event. Not exported from the package. */
export const PATTERN_HANDLER_METADATA = 'microservices:handler_type';
export const PATTERN_HANDLER_MESSAGE = 1;
export const PATTERN_HANDLER_EVENT = 2;
/** The patterns of a handler (an array). Not exported from the package. */
export const PATTERN_METADATA = 'microservices:pattern';
/** The transport a pattern handler is bound to; gRPC's (`4`) handlers are left alone. Not exported from the package. */
export const TRANSPORT_METADATA = 'microservices:transport';
export const GRPC_TRANSPORT = 4;

/** `@SubscribeMessage()` handlers and `@WebSocketGateway()` classes. Not exported from the package. */
export const MESSAGE_MAPPING_METADATA = 'websockets:message_mapping';
export const GATEWAY_METADATA = 'websockets:is_gateway';

/** A parameter entry of Nest's `__routeArguments__` metadata. Not exported from the package. */
export interface ParamEntry {
  index: number;
  data: undefined;
  pipes: never[];
}

/** The parameters Nest passes a pattern handler without parameter decorators: the payload (`RpcParamtype.PAYLOAD` = 3). Not exported from the package. */
export const RPC_DEFAULT_PARAMS: Readonly<Record<string, ParamEntry>> = {
  '3:0': { index: 0, data: undefined, pipes: [] },
};

/**
 * ... and a gateway handler: the socket (`WsParamtype.SOCKET` = 0) and the payload (`PAYLOAD` = 3).
 * Nest's default also passes the ack callback (`ACK` = 13) third; it is copied only for a handler
 * that declares a third parameter, because an ack parameter in the metadata tells socket.io
 * adapters that the handler acks by itself. Not exported from the package.
 */
export const WS_DEFAULT_PARAMS: Readonly<Record<string, ParamEntry>> = {
  '0:0': { index: 0, data: undefined, pipes: [] },
  '3:1': { index: 1, data: undefined, pipes: [] },
};
export const WS_ACK_PARAM: Readonly<Record<string, ParamEntry>> = {
  '13:2': { index: 2, data: undefined, pipes: [] },
};
