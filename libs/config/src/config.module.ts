import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypedConfig } from './typed-config';
import { validateEnv } from './validate-env';

/**
 * Global, validated configuration. The environment is read when an app is created (forRoot), not
 * when this file loads, so a bad value stops the app at boot with the variable's name.
 */
@Global()
@Module({ providers: [TypedConfig], exports: [TypedConfig] })
export class SwitchyardConfigModule {
  static forRoot(): DynamicModule {
    return {
      module: SwitchyardConfigModule,
      imports: [ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateEnv })],
    };
  }
}
