import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';

export interface EmbeddedDynamoOptions {
  /** Keeps the LevelDB files in `<dataDir>/dynamodb` so data outlives a restart; in memory when absent. */
  dataDir?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
}

export interface EmbeddedDynamo {
  /** `http://host:port`, for `makeDocumentClient({ endpoint })`. */
  endpoint: string;
  /** Stops the server and closes LevelDB, releasing its lock so the directory can be opened again. */
  close(): Promise<void>;
}

export async function startEmbeddedDynamo(options: EmbeddedDynamoOptions = {}): Promise<EmbeddedDynamo> {
  const host = options.host ?? '127.0.0.1';
  let path: string | undefined;
  if (options.dataDir !== undefined) {
    path = join(options.dataDir, 'dynamodb');
    // LevelDB creates its own directory but not missing parents.
    await mkdir(path, { recursive: true });
  }

  // dynalite keeps a new table CREATING for 500 ms by default; callers would only poll through it.
  const server = dynalite({
    ...(path ? { path } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch(async (error: unknown) => {
    // LevelDB opened with the server, and dynalite closes it only from a listening server's close();
    // bind to any free port just to close properly, so a failed start leaves the directory unlocked.
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  });

  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  return {
    endpoint: `http://${urlHost}:${port}`,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        // dynalite closes LevelDB only after every connection has ended, and clients hold
        // keep-alive sockets open indefinitely; cut them so close() cannot hang on a live client.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
