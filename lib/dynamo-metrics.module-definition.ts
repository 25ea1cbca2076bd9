import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { DynamoMetricsModuleOptions } from './interfaces';

/** `forRoot` / `forRootAsync` with `isGlobal`, from Nest's builder. */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<DynamoMetricsModuleOptions>({
    moduleName: 'DynamoMetrics',
  })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** The token of the module's options, for `@Inject(DYNAMO_METRICS_OPTIONS)`. */
export const DYNAMO_METRICS_OPTIONS = MODULE_OPTIONS_TOKEN;
