export * from './address-policy';
export * from './event-outbox';
export * from './event-types';
export * from './events.module';
export * from './webhook-dispatcher';
export * from './webhook-signature';
