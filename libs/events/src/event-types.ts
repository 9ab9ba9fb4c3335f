/**
 * The events a webhook may subscribe to. Rollout-plan steps are deployment changes like any other and
 * arrive as `deployment.changed` with actor `rollout-plan`.
 */
export const EVENT_TYPES = ['version.created', 'version.ready', 'version.failed', 'deployment.changed', 'guardrail.tripped'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is EventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** What a receiver gets as the request body (the Standard Webhooks payload shape, plus the event's id and model). */
export interface WebhookPayload {
  id: string;
  type: EventType;
  timestamp: string;
  model: string;
  data: Record<string, unknown>;
}
