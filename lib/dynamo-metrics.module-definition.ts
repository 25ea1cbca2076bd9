import {
  type ConfigurableModuleAsyncOptions,
  ConfigurableModuleBuilder,
  type ConfigurableModuleCls,
} from '@nestjs/common';
import type { DynamoMetricsModuleOptions } from './interfaces';

/** The builder's extra option: `isGlobal`. */
interface ModuleExtras {
  isGlobal: boolean;
}

const built = new ConfigurableModuleBuilder<DynamoMetricsModuleOptions>({
  moduleName: 'DynamoMetrics',
})
  .setClassMethodName('forRoot')
  .setExtras<ModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

// Typed by hand: the inferred types would be written into the .d.ts as import() types with a
// resolution-mode attribute, which TypeScript before 5.3 cannot parse.
/** `forRoot` / `forRootAsync` with `isGlobal`, from Nest's builder. */
export const ConfigurableModuleClass: ConfigurableModuleCls<
  DynamoMetricsModuleOptions,
  'forRoot',
  'create',
  ModuleExtras
> = built.ConfigurableModuleClass;
export const MODULE_OPTIONS_TOKEN: string | symbol = built.MODULE_OPTIONS_TOKEN;
export type OPTIONS_TYPE = DynamoMetricsModuleOptions & Partial<ModuleExtras>;
export type ASYNC_OPTIONS_TYPE = ConfigurableModuleAsyncOptions<
  DynamoMetricsModuleOptions,
  'create'
> &
  Partial<ModuleExtras>;

/** The token of the module's options, for `@Inject(DYNAMO_METRICS_OPTIONS)`. */
export const DYNAMO_METRICS_OPTIONS = MODULE_OPTIONS_TOKEN;
