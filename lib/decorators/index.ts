export { DynamoComponent, type DynamoComponentOptions } from './dynamo-component.decorator';
export { DynamoEndpoint, type DynamoEndpointOptions } from './dynamo-endpoint.decorator';
export { DynamoFrontend } from './dynamo-frontend.decorator';
export { DynamoFrontendRequest } from './dynamo-frontend-request.decorator';
export { Timed, type TimedOptions } from './timed.decorator';
export {
  getComponentToken,
  getEndpointToken,
  getNamespaceToken,
  InjectComponent,
  InjectEndpoint,
  InjectNamespace,
} from './inject-level.decorator';
