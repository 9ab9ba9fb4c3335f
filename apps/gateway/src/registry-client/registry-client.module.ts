import { Module } from '@nestjs/common';
import { RegistryClient } from './registry-client.service';

/** The gateway's calls to the registry (see RegistryClient); one client for every module that needs it. */
@Module({ providers: [RegistryClient], exports: [RegistryClient] })
export class RegistryClientModule {}
