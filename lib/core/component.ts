import { COMPONENT_LABEL } from './core.constants';
import { Endpoint } from './endpoint';
import type { Namespace } from './namespace';
import { RegistryLevel } from './registry-level';
import type { RuntimeState } from './runtime-state';

/** A component of a namespace: its metrics carry `dynamo_namespace` and `dynamo_component`. */
export class Component extends RegistryLevel {
  private readonly endpoints = new Map<string, Endpoint>();

  /** @internal */
  constructor(
    state: RuntimeState,
    /** The namespace this component belongs to. */
    readonly namespace: Namespace,
    /** The sanitized name (the `dynamo_component` value). */
    readonly name: string,
  ) {
    super(state, [...namespace.autoLabels, [COMPONENT_LABEL, name]]);
  }

  /** The endpoint of that name (sanitized), created once and cached. */
  endpoint(name: string): Endpoint {
    return this.child(
      this.endpoints,
      name,
      (sanitized) => new Endpoint(this.state, this, sanitized),
    );
  }

  /** `ns/component`, for messages. @internal */
  get displayPath(): string {
    return `${this.namespace.displayPath}/${this.name}`;
  }

  /** @internal */
  get description(): string {
    return `component "${this.displayPath}"`;
  }
}
