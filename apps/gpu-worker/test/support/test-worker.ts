import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { pino } from 'pino';
import { createWorkerClient, type WorkerClient } from '@refdiff/worker-contract';
import { createWorkerServer, type EngineSource, type WorkerServerOptions } from '../../src/server/worker-server';

type HealthClient = grpc.Client & {
  check(
    req: { service: string },
    opts: grpc.CallOptions,
    cb: (err: grpc.ServiceError | null, res?: { status: string }) => void,
  ): void;
};

/** A real worker server on 127.0.0.1:0 with a real client and a health client. */
export async function startTestWorker(
  engine: EngineSource,
  limits: Partial<WorkerServerOptions['limits']> = {},
  maxMessageBytes = 4 * 1024 * 1024,
) {
  const server = createWorkerServer({
    engine,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    limits: { concurrency: 2, maxQueue: 8, maxImageBytes: 1024 * 1024, maxExpressions: 64, ...limits },
    maxMessageBytes,
    executionProvider: 'cpu',
    version: '0.0.0-test',
  });
  const port = await server.listen('127.0.0.1:0');
  const target = `127.0.0.1:${port}`;
  const client = createWorkerClient(target, { maxMessageBytes });
  const healthPkg = grpc.loadPackageDefinition(protoLoader.loadSync(healthProtoPath, { enums: String })) as unknown as {
    grpc: { health: { v1: { Health: new (t: string, c: grpc.ChannelCredentials) => HealthClient } } };
  };
  const healthClient = new healthPkg.grpc.health.v1.Health(target, grpc.credentials.createInsecure());
  const health = (service = '') =>
    new Promise<string>((resolve, reject) =>
      healthClient.check({ service }, { deadline: Date.now() + 5_000 }, (err, res) =>
        err || !res ? reject(err) : resolve(res.status),
      ),
    );
  return {
    server,
    port,
    target,
    client: client as WorkerClient,
    health,
    async close() {
      client.close();
      healthClient.close();
      if (server.state !== 'stopped') await server.drain(2_000);
    },
  };
}
