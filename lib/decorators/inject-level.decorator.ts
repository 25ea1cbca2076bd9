import { Inject } from '@nestjs/common';

/** What an `Inject…()` decorator asked for; the module provides one level per request. Not exported from the package. */
export type LevelRequest =
  | { kind: 'namespace'; name?: string }
  | {
      kind: 'component';
      name?: string;
      namespace?: string;
      ownerClass?: abstract new (...args: never[]) => unknown;
    }
  | { kind: 'endpoint'; component: string; endpoint: string; namespace?: string };

/** Every level asked for so far, by token. Decorators run when their files load, before `forRoot()`. Not exported from the package. */
export const levelRequests = new Map<string | symbol, LevelRequest>();

const classTokens = new WeakMap<object, symbol>();

/** The injection token of a namespace (default: the module's `namespace`). */
export function getNamespaceToken(name?: string): string {
  return `DYNAMO_METRICS:NAMESPACE:${name ?? ''}`;
}

/** The injection token of a component in a namespace (default: the module's). */
export function getComponentToken(name: string, namespace?: string): string {
  return `DYNAMO_METRICS:COMPONENT:${namespace ?? ''}:${name}`;
}

/** The injection token of an endpoint of a component. */
export function getEndpointToken(component: string, endpoint: string, namespace?: string): string {
  return `DYNAMO_METRICS:ENDPOINT:${namespace ?? ''}:${component}:${endpoint}`;
}

/** Injects a `Namespace`: the named one, or the module's `namespace`. */
export function InjectNamespace(name?: string): PropertyDecorator & ParameterDecorator {
  const token = getNamespaceToken(name);
  levelRequests.set(token, { kind: 'namespace', name });
  return Inject(token);
}

/**
 * Injects a `Component`: the named one (in the module's namespace unless `namespace` is given),
 * or, without a name, the component of the class being constructed (`@DynamoComponent()` or
 * its class name).
 */
export function InjectComponent(
  name?: string,
  namespace?: string,
): PropertyDecorator & ParameterDecorator {
  if (name !== undefined) {
    const token = getComponentToken(name, namespace);
    levelRequests.set(token, { kind: 'component', name, namespace });
    return Inject(token);
  }
  return (target: object, key: string | symbol | undefined, index?: number) => {
    // Constructor parameters get the class itself, properties its prototype.
    const ownerClass = (
      typeof target === 'function' ? target : target.constructor
    ) as abstract new (...args: never[]) => unknown;
    let token = classTokens.get(ownerClass);
    if (!token) {
      token = Symbol(`DYNAMO_METRICS:COMPONENT_OF:${ownerClass.name}`);
      classTokens.set(ownerClass, token);
      levelRequests.set(token, { kind: 'component', ownerClass });
    }
    Inject(token)(target, key as string | symbol, index as number);
  };
}

/** Injects the `Endpoint` `endpoint` of component `component` (in the module's namespace unless given). */
export function InjectEndpoint(
  component: string,
  endpoint: string,
  namespace?: string,
): PropertyDecorator & ParameterDecorator {
  const token = getEndpointToken(component, endpoint, namespace);
  levelRequests.set(token, { kind: 'endpoint', component, endpoint, namespace });
  return Inject(token);
}
