import * as net from 'node:net';

/**
 * How the proxy treats a connection, decided when it opens:
 * - forward: both directions pass;
 * - refuse: the connection is reset at once (the store looks unreachable);
 * - hold: requests reach the server but no byte of its answers comes back (the store hangs).
 */
export type ProxyMode = 'forward' | 'refuse' | 'hold';

/** A TCP proxy in front of an HTTP server (s3rver), to make the artifact store fail or hang on cue. */
export class TcpProxy {
  mode: ProxyMode;
  /** Request lines ("GET /bucket/key?x-id=GetObject HTTP/1.1") the server was sent, in order. */
  readonly requests: string[] = [];
  /** Connections opened to the proxy, in any mode. */
  connections = 0;
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly url: string,
    mode: ProxyMode,
  ) {
    this.mode = mode;
  }

  static async start(target: string, mode: ProxyMode): Promise<TcpProxy> {
    const { hostname, port } = new URL(target);
    let proxy: TcpProxy | undefined;
    const server = net.createServer((client) => proxy!.accept(client, hostname, Number(port)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as net.AddressInfo;
    proxy = new TcpProxy(server, `http://127.0.0.1:${address.port}`, mode);
    return proxy;
  }

  private accept(client: net.Socket, host: string, port: number): void {
    this.connections++;
    if (this.mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const held = this.mode === 'hold';
    const upstream = net.connect(port, host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      // Either side going away ends the pair; errors are the point of some tests, not failures.
      socket.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('latin1').split('\r\n')) {
        if (/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(line)) this.requests.push(line);
      }
    });
    client.pipe(upstream);
    if (!held) upstream.pipe(client);
    // A held connection's answers are read and dropped, so the server is never blocked writing them.
    else upstream.resume();
  }

  /** Cuts every open connection: a server that goes down takes its keep-alive connections with it. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
