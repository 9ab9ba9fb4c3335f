/** Small fetch wrappers so tests read as requests and answers. */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** The admin key the global setup gave every app of the run (SWITCHYARD_BOOTSTRAP_ADMIN_KEY). */
export function testAdminKey(): string {
  const key = process.env.SWITCHYARD_BOOTSTRAP_ADMIN_KEY;
  if (!key) throw new Error('the Jest global setup did not run (SWITCHYARD_BOOTSTRAP_ADMIN_KEY unset)');
  return key;
}

/** `Authorization` for a key: the run's admin key by default, none for `null`. */
export function authHeaders(key: string | null = testAdminKey()): Record<string, string> {
  return key === null ? {} : { authorization: `Bearer ${key}` };
}

/**
 * A request with the run's admin key, so tests that are not about auth need not think of it. `key`
 * sends another key, or none (`null`); an explicit Authorization header wins too.
 */
export async function call<T = any>(url: string, init: RequestInit & { json?: unknown; key?: string | null } = {}): Promise<Answer<T>> {
  const { json, key, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    headers: {
      ...authHeaders(key),
      ...(json === undefined ? {} : { 'content-type': 'application/json' }),
      ...(rest.headers as Record<string, string>),
    },
    body: json === undefined ? rest.body : JSON.stringify(json),
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const body = type.includes('json') && text ? JSON.parse(text) : text;
  return { status: response.status, headers: response.headers, body: body as T };
}

/** Asserts the RFC 9457 shape every 4xx/5xx of the /v1 API has, and returns the body. */
export function expectProblem(answer: Answer, status: number): Record<string, any> {
  expect({ status: answer.status, type: answer.headers.get('content-type') }).toEqual({
    status,
    type: expect.stringContaining('application/problem+json'),
  });
  expect(answer.body).toEqual(
    expect.objectContaining({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) }),
  );
  return answer.body;
}

export function uploadForm(artifact: Uint8Array | null, metadata?: string, filename = 'model.onnx'): FormData {
  const form = new FormData();
  if (artifact) form.append('artifact', new Blob([artifact]), filename);
  if (metadata !== undefined) form.append('metadata', metadata);
  return form;
}
