import { Injectable } from '@nestjs/common';
import { type Component, type Counter, DynamoComponent, InjectComponent, Timed } from '../../lib';

/** A stand-in for an LLM engine: turns a prompt into tokens, a little slowly. */
@Injectable()
@DynamoComponent('backend')
export class ModelService {
  private readonly tokens: Counter;

  constructor(@InjectComponent() component: Component) {
    // A custom metric next to the automatic ones: same component, same labels.
    this.tokens = component.createIntCounter('output_tokens_total', 'Tokens generated');
  }

  @Timed() // dynamo_component_generate_duration_seconds
  async generate(prompt: string, maxTokens: number): Promise<string[]> {
    const words = prompt.split(/\s+/).filter(Boolean);
    const out = Array.from({ length: maxTokens }, (_, i) => words[i % words.length].toUpperCase());
    await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    this.tokens.incBy(out.length);
    return out;
  }
}
