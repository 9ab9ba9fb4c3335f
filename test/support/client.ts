/** Small fetch wrappers so tests read as requests and answers. */
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = any>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<Answer<T>> {
  const { json, ...rest } = init;
  const response = await fetch(url, {
    ...rest,
    headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...(rest.headers as Record<string, string>) },
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
