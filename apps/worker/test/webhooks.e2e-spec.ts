import * as http from 'node:http';
import { Client } from 'pg';
import { verifyWebhook } from '@switchyard/events';
import { call, uploadForm } from '../../../test/support/client';
import { fileStoreEnv, type RunningApp, startRegistry, startWorker } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { uniqueSuffix } from '../../../test/support/test-env';
import { waitFor } from '../../../test/support/unit';
import { EventRetention } from '../src/webhooks/event-retention.service';
import { TcpProxy } from './tcp-proxy';

interface Received {
  /** The path it was sent to: each webhook here has its own. */
  path: string;
  id: string;
  timestamp: number;
  signature: string;
  body: string;
}

/** A webhook receiver on loopback that answers 204 to everything and keeps what it was sent. */
class Receiver {
  readonly received: Received[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        receiver!.received.push({
          path: String(request.url),
          id: String(request.headers['webhook-id']),
          timestamp: Number(request.headers['webhook-timestamp']),
          signature: String(request.headers['webhook-signature']),
          body: Buffer.concat(chunks).toString('utf8'),
        });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver = new Receiver(server, `http://127.0.0.1:${(server.address() as { port: number }).port}`);
    return receiver;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The outage the issue asks for: the receiver is unreachable this long while events happen. */
const OUTAGE_MS = 30_000;

describe('webhooks: durable, ordered, signed delivery through a receiver outage', () => {
  let databaseUrl: string;
  let db: Client;
  let registry: RunningApp;
  let worker: RunningApp;
  let receiver: Receiver;
  let proxy: TcpProxy;

  beforeAll(async () => {
    databaseUrl = await createIsolatedDatabase();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_PREFIX: isolatedRedisPrefix(),
      ...fileStoreEnv(),
      WEBHOOK_ALLOW_PRIVATE: 'true',
      // Bounded backoff, so the queue retries within seconds of the receiver's return.
      WEBHOOK_RETRY_BASE_MS: '250',
      WEBHOOK_RETRY_MAX_MS: '3000',
      WEBHOOK_SWEEP_INTERVAL_MS: '2000',
      PENDING_SWEEP_INTERVAL_MS: '3600000',
    };
    registry = await startRegistry(env);
    worker = await startWorker(env);
    receiver = await Receiver.start();
    proxy = await TcpProxy.start(receiver.url, 'forward');
  }, 60_000);

  afterAll(async () => {
    await proxy?.close();
    await receiver?.close();
    await worker?.close();
    await registry?.close();
    await db?.end();
    if (databaseUrl) await dropIsolatedDatabase(databaseUrl);
  }, 60_000);

  const deliveriesOf = async (webhookId: string) => (await call(`${registry.url}/v1/webhooks/${webhookId}/deliveries?limit=200`)).body.items;

  it('delivers every event once by its id, in order per model, each validly signed, after 30 s down', async () => {
    const models = [`hooked-a-${uniqueSuffix()}`, `hooked-b-${uniqueSuffix()}`];
    for (const name of models) expect((await call(`${registry.url}/v1/models`, { method: 'POST', json: { name } })).status).toBe(201);
    const created = await call(`${registry.url}/v1/webhooks`, {
      method: 'POST',
      json: { url: `${proxy.url}/hooks`, events: ['version.created', 'version.ready', 'version.failed', 'deployment.changed', 'guardrail.tripped'] },
    });
    expect(created.status).toBe(201);
    const { id: webhookId, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);

    proxy.mode = 'refuse';
    proxy.dropConnections();
    const downSince = Date.now();
    // 20 events while the receiver is down, the two models interleaved: an upload each, then 9 label moves each.
    for (let step = 0; step < 10; step++) {
      for (const model of models) {
        const answer =
          step === 0
            ? await call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(new TextEncoder().encode(`not onnx ${model}`)) })
            : await call(`${registry.url}/v1/models/${model}/aliases/label-${step}`, { method: 'PUT', json: { version: 1 } });
        expect(answer.status).toBeLessThan(300);
      }
    }
    // The worker tried while the receiver was down (and the validation's version.failed events joined the queues).
    await waitFor(async () => {
      const deliveries = await deliveriesOf(webhookId);
      return deliveries.length >= 22 && deliveries.some((d: any) => d.attempts > 0 && d.attempt_log[0].status_code === null);
    }, 'failed attempts while the receiver is down', 60_000);
    expect(receiver.received).toEqual([]);
    const outageLeft = OUTAGE_MS - (Date.now() - downSince);
    if (outageLeft > 0) await new Promise((resolve) => setTimeout(resolve, outageLeft));
    proxy.mode = 'forward';

    const { rows: events } = await db.query<{ uid: string; model_name: string; type: string }>(
      'SELECT uid, model_name, type FROM events WHERE model_name = ANY($1) ORDER BY id',
      [models],
    );
    expect(events.filter((e) => e.type === 'deployment.changed')).toHaveLength(18);
    expect(events.filter((e) => e.type === 'version.created')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'version.failed')).toHaveLength(2);
    const expected = new Set(events.map((e) => e.uid));
    await waitFor(() => expected.size === new Set(receiver.received.map((r) => r.id)).size, 'every event at the receiver', 120_000);
    await waitFor(async () => (await deliveriesOf(webhookId)).every((d: any) => d.status === 'delivered'), 'every delivery recorded as delivered', 30_000);

    // Every request is signed over id, timestamp and body, and names the event it carries.
    for (const request of receiver.received) {
      expect(verifyWebhook(secret, request.id, request.timestamp, request.body, request.signature)).toBe(true);
      expect(JSON.parse(request.body).id).toBe(request.id);
    }
    // Once by id: deduplicated, exactly the recorded events; in order per model.
    const firstArrivals = [...new Map(receiver.received.map((r) => [r.id, JSON.parse(r.body)])).values()];
    expect(new Set(firstArrivals.map((p) => p.id))).toEqual(expected);
    for (const model of models) {
      expect(firstArrivals.filter((p) => p.model === model).map((p) => p.id)).toEqual(events.filter((e) => e.model_name === model).map((e) => e.uid));
    }
    const change = firstArrivals.find((p) => p.type === 'deployment.changed' && p.model === models[0]);
    expect(change.data).toMatchObject({ model: models[0], actor: expect.stringMatching(/^key:/), action: 'alias.set', revision: 1, reason: null, after: { aliases: { 'label-1': 1 } } });
    const deliveries = await deliveriesOf(webhookId);
    expect(deliveries.filter((d: any) => d.attempts > 1)).not.toHaveLength(0);
    expect(deliveries.every((d: any) => d.attempt_log.at(-1).status_code === 204)).toBe(true);
  }, 240_000);

  it('never lets a delivery fail or delay the change: with no receiver at all the change answers at once', async () => {
    const model = `unhooked-${uniqueSuffix()}`;
    await call(`${registry.url}/v1/models`, { method: 'POST', json: { name: model } });
    const hook = await call(`${registry.url}/v1/webhooks`, { method: 'POST', json: { url: 'http://127.0.0.1:9/nothing-listens', events: ['version.created'], model } });
    expect(hook.status).toBe(201);
    const upload = await call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(new TextEncoder().encode('bytes')) });
    expect(upload.status).toBe(201);
    await waitFor(async () => (await deliveriesOf(hook.body.id)).some((d: any) => d.attempts > 0), 'an attempt logged', 60_000);
    const [delivery] = await deliveriesOf(hook.body.id);
    // Retries keep coming (every 250 ms and more here), so the log may hold more than the first attempt by now.
    expect(delivery).toMatchObject({ event_type: 'version.created', model, status: 'pending' });
    expect(delivery.attempt_log.length).toBeGreaterThanOrEqual(1);
    expect(delivery.attempt_log.every((attempt: any) => attempt.status_code === null)).toBe(true);
    expect(delivery.attempt_log[0].error).toMatch(/could not connect/);
  }, 120_000);

  it("signs with the replaced secret too during a rotation's overlap, and with the new one alone after an overlap of 0", async () => {
    const model = `rotated-${uniqueSuffix()}`;
    await call(`${registry.url}/v1/models`, { method: 'POST', json: { name: model } });
    // Version 1 for the labels to point at (it fails validation; a label may name it all the same).
    expect((await call(`${registry.url}/v1/models/${model}/versions`, { method: 'POST', body: uploadForm(new TextEncoder().encode('bytes')) })).status).toBe(201);
    const created = await call(`${registry.url}/v1/webhooks`, { method: 'POST', json: { url: `${receiver.url}/rotated`, events: ['deployment.changed'], model } });
    expect(created.status).toBe(201);
    const rotate = (json: object) => call(`${registry.url}/v1/webhooks/${created.body.id}`, { method: 'PATCH', json: { rotate_secret: true, ...json } });
    /** Moves a label, and answers the delivery of that change once the receiver has it. */
    const deliveredChange = async (step: number): Promise<Received> => {
      expect((await call(`${registry.url}/v1/models/${model}/aliases/step-${step}`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
      // The first test's webhook takes every model's events at the same receiver: only this one's path counts.
      const arrived = () => receiver.received.find((r) => r.path === '/rotated' && JSON.parse(r.body).model === model && JSON.parse(r.body).data.after.aliases[`step-${step}`] === 1);
      await waitFor(async () => arrived() !== undefined, `the delivery of step ${step}`, 60_000);
      return arrived()!;
    };

    const overlapping = await rotate({});
    expect(overlapping.status).toBe(200);
    const expiresIn = Date.parse(overlapping.body.previous_secret_expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(86_400_000 - 60_000);
    expect(expiresIn).toBeLessThanOrEqual(86_400_000);
    const first = await deliveredChange(1);
    expect(first.signature.split(' ')).toHaveLength(2);
    for (const secret of [overlapping.body.secret, created.body.secret]) expect(verifyWebhook(secret, first.id, first.timestamp, first.body, first.signature)).toBe(true);

    const at_once = await rotate({ secret_overlap_seconds: 0 });
    expect(at_once.body.previous_secret_expires_at).toBeNull();
    const second = await deliveredChange(2);
    expect(second.signature.split(' ')).toHaveLength(1);
    expect(verifyWebhook(at_once.body.secret, second.id, second.timestamp, second.body, second.signature)).toBe(true);
    for (const secret of [overlapping.body.secret, created.body.secret]) expect(verifyWebhook(secret, second.id, second.timestamp, second.body, second.signature)).toBe(false);
  }, 120_000);

  it('forgets a replaced secret once its overlap is over, and keeps one still signing', async () => {
    const rotated = async (overlapSeconds: number) => {
      const created = await call(`${registry.url}/v1/webhooks`, { method: 'POST', json: { url: 'http://127.0.0.1:9/nothing-listens', events: ['version.created'], model: `forgetful-${uniqueSuffix()}` } });
      expect(created.status).toBe(201);
      const answer = await call(`${registry.url}/v1/webhooks/${created.body.id}`, { method: 'PATCH', json: { rotate_secret: true, secret_overlap_seconds: overlapSeconds } });
      expect(answer.status).toBe(200);
      return created.body as { id: string; secret: string };
    };
    const over = await rotated(60);
    const ongoing = await rotated(3_600);
    await db.query(`UPDATE webhooks SET previous_secret_expires_at = now() - interval '1 minute' WHERE id = $1`, [over.id]);

    // The sweep runs hourly, so the test calls it.
    expect(await worker.app.get(EventRetention).forgetReplacedSecrets()).toBe(1);
    const kept = async (id: string) => (await db.query(`SELECT previous_secret, previous_secret_expires_at FROM webhooks WHERE id = $1`, [id])).rows[0];
    expect(await kept(over.id)).toEqual({ previous_secret: null, previous_secret_expires_at: null });
    expect((await kept(ongoing.id)).previous_secret).toBe(ongoing.secret);
  });

  it('deletes events and their delivery logs after EVENTS_RETENTION_DAYS, but not one still being delivered', async () => {
    const model = `expiring-${uniqueSuffix()}`;
    // Nothing listens there: a pending delivery stays pending however often it is tried.
    const hook = await call(`${registry.url}/v1/webhooks`, { method: 'POST', json: { url: 'http://127.0.0.1:9/nothing-listens', events: ['version.created'], model } });
    expect(hook.status).toBe(201);
    const event = async (daysAgo: number, status: 'delivered' | 'failed' | 'pending') => {
      const [{ id }] = (
        await db.query(`INSERT INTO events (type, model_name, data, created_at) VALUES ('version.created', $1, '{}', now() - $2 * interval '1 day') RETURNING id`, [model, daysAgo])
      ).rows as { id: string }[];
      await db.query(`INSERT INTO webhook_deliveries (webhook_id, event_id, model_name, status) VALUES ($1, $2, $3, $4)`, [hook.body.id, id, model, status]);
      return id;
    };
    const oldDelivered = await event(100, 'delivered');
    const oldFailed = await event(95, 'failed');
    const oldPending = await event(91, 'pending');
    const recent = await event(1, 'delivered');

    // The default is 90 days and the sweep runs hourly, so the test calls it.
    expect(await worker.app.get(EventRetention).expire()).toBe(2);

    const events = (await db.query(`SELECT id FROM events WHERE model_name = $1 ORDER BY id`, [model])).rows.map((row: { id: string }) => row.id);
    expect(events).toEqual([oldPending, recent]);
    const deliveries = (await db.query(`SELECT event_id FROM webhook_deliveries WHERE model_name = $1 ORDER BY event_id`, [model])).rows.map((row: { event_id: string }) => row.event_id);
    expect(deliveries).toEqual([oldPending, recent]);
    expect([oldDelivered, oldFailed].some((id) => events.includes(id))).toBe(false);
  }, 60_000);
});
