import type { Component } from './component';
import { ENDPOINT_LABEL } from './core.constants';
import { RegistryLevel } from './registry-level';
import type { RuntimeState } from './runtime-state';

/** An endpoint of a component: its metrics carry all three auto labels. */
export class Endpoint extends RegistryLevel {
  /** @internal */
  constructor(
    state: RuntimeState,
    /** The component this endpoint belongs to. */
    readonly component: Component,
    /** The sanitized name (the `dynamo_endpoint` value). */
    readonly name: string,
  ) {
    super(state, [...component.autoLabels, [ENDPOINT_LABEL, name]]);
  }

  /** @internal */
  get description(): string {
    return `endpoint "${this.component.displayPath}/${this.name}"`;
  }
}
