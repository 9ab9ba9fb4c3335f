import { Module } from '@nestjs/common';
import { KeyCache } from './key-cache.service';

@Module({ providers: [KeyCache], exports: [KeyCache] })
export class KeysModule {}
