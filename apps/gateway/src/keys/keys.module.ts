import { Module } from '@nestjs/common';
import { TokenBuckets } from '@switchyard/auth';
import { RegistryClientModule } from '../registry-client/registry-client.module';
import { KeyCache } from './key-cache.service';

/**
 * The gateway's API keys and their request budgets: one cache and one set of token buckets, shared by
 * every protocol the gateway speaks, so a key's limit is one limit whichever way it calls.
 */
@Module({
  imports: [RegistryClientModule],
  providers: [KeyCache, { provide: TokenBuckets, useFactory: () => new TokenBuckets() }],
  exports: [KeyCache, TokenBuckets],
})
export class KeysModule {}
