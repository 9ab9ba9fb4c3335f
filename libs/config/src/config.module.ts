import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypedConfig } from './typed-config';
import { validateEnv } from './validate-env';

/** Global, validated configuration. A bad value stops the app at boot with the variable's name. */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ isGlobal: true, cache: true, validate: validateEnv })],
  providers: [TypedConfig],
  exports: [TypedConfig],
})
export class SwitchyardConfigModule {}
