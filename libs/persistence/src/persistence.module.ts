import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TypedConfig } from '@switchyard/config';
import { ENTITIES } from './entities';
import { dataSourceOptions } from './data-source-options';

/** Postgres through TypeORM. Migrations are an explicit step (npm start runs them first), never here. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [TypedConfig],
      useFactory: (config: TypedConfig) => dataSourceOptions(config.get('DATABASE_URL')),
    }),
    TypeOrmModule.forFeature(ENTITIES),
  ],
  exports: [TypeOrmModule],
})
export class PersistenceModule {}
