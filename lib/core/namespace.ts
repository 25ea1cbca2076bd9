import { Component } from './component';
import { NAMESPACE_LABEL } from './core.constants';
import { RegistryLevel } from './registry-level';
import type { RuntimeState } from './runtime-state';

/**
 * A namespace: its metrics carry `dynamo_namespace`. Namespaces nest; a child's label value is
 * the parent's joined to its own name with `_` (`parent_child`).
 */
export class Namespace extends RegistryLevel {
  private readonly namespaces = new Map<string, Namespace>();
  private readonly components = new Map<string, Component>();
  /** The `dynamo_namespace` value: the names from the outermost namespace, joined with `_`. */
  readonly path: string;

  /** @internal */
  constructor(
    state: RuntimeState,
    /** The namespace this one is nested in, if any. */
    readonly parent: Namespace | undefined,
    /** The sanitized name of this namespace alone. */
    readonly name: string,
  ) {
    const path = parent ? [parent.path, name].join('_') : name;
    super(state, [[NAMESPACE_LABEL, path]]);
    this.path = path;
    state.claimNamespacePath(path, this.description);
  }

  /** A child namespace, created once and cached by its sanitized name. */
  namespace(name: string): Namespace {
    return this.child(
      this.namespaces,
      name,
      (sanitized) => new Namespace(this.state, this, sanitized),
    );
  }

  /** The component of that name (sanitized), created once and cached. */
  component(name: string): Component {
    return this.child(
      this.components,
      name,
      (sanitized) => new Component(this.state, this, sanitized),
    );
  }

  /** `outer/inner`, for messages. @internal */
  get displayPath(): string {
    return this.parent ? `${this.parent.displayPath}/${this.name}` : this.name;
  }

  /** @internal */
  get description(): string {
    return `namespace "${this.displayPath}"`;
  }
}
