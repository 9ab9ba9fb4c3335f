import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyEntity } from '@switchyard/persistence';
import { KeysController } from './keys.controller';
import { KeysService } from './keys.service';

@Module({ imports: [TypeOrmModule.forFeature([ApiKeyEntity])], controllers: [KeysController], providers: [KeysService], exports: [KeysService] })
export class KeysModule {}
