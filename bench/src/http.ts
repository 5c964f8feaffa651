import http from 'node:http';

/** A keep-alive HTTP client with one socket per concurrent caller (node:http, no extra layers). */
export class HttpClient {
  readonly agent: http.Agent;
  readonly host: string;
  readonly port: number;

  constructor(baseUrl: string, sockets: number) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  request(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          method,
          path,
          agent: this.agent,
          headers: body
            ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
            : headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A tRPC mutation over HTTP (no transformer): POST /trpc/<path> with the input as the JSON body. */
export async function trpcMutation(
  client: HttpClient,
  path: string,
  input: unknown,
  headers: Record<string, string>,
): Promise<unknown> {
  const res = await client.request('POST', `/trpc/${path}`, headers, JSON.stringify(input));
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${errorSummary(res.body)}`);
  return (JSON.parse(res.body) as { result: { data: unknown } }).result.data;
}

export async function trpcQuery(
  client: HttpClient,
  path: string,
  input: unknown,
  headers: Record<string, string>,
): Promise<unknown> {
  const res = await client.request(
    'GET',
    `/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`,
    headers,
  );
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${errorSummary(res.body)}`);
  return (JSON.parse(res.body) as { result: { data: unknown } }).result.data;
}

function errorSummary(body: string): string {
  try {
    const e = JSON.parse(body).error;
    return `${e?.data?.reason ?? e?.data?.code ?? ''}: ${e?.message ?? body.slice(0, 200)}`;
  } catch {
    return body.slice(0, 200);
  }
}
