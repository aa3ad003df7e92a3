import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ColourEngine } from './support/colour-engine';
import { startTestWorker } from './support/test-worker';

// A generic reflection client, as grpcurl uses: grpc.reflection.v1.ServerReflection/ServerReflectionInfo.
const reflectionDir = join(dirname(createRequire(import.meta.url).resolve('@grpc/reflection')), '..', 'proto');
type ReflectionResponse = {
  listServicesResponse?: { service: { name: string }[] };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorMessage: string };
};
type ReflectionClient = grpc.Client & {
  ServerReflectionInfo(): grpc.ClientDuplexStream<Record<string, string>, ReflectionResponse>;
};

let w: Awaited<ReturnType<typeof startTestWorker>>;
let reflection: ReflectionClient;

beforeAll(async () => {
  w = await startTestWorker(new ColourEngine());
  const pkg = grpc.loadPackageDefinition(
    protoLoader.loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [reflectionDir] }),
  ) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: new (t: string, c: grpc.ChannelCredentials) => ReflectionClient } } };
  };
  reflection = new pkg.grpc.reflection.v1.ServerReflection(w.target, grpc.credentials.createInsecure());
});
afterAll(async () => {
  reflection.close();
  await w.close();
});

function ask(request: Record<string, string>): Promise<ReflectionResponse> {
  return new Promise((resolve, reject) => {
    const stream = reflection.ServerReflectionInfo();
    stream.once('data', (res: ReflectionResponse) => {
      resolve(res);
      stream.end();
    });
    stream.once('error', reject);
    stream.write(request);
  });
}

describe('server reflection', () => {
  it('lists the worker and health services', async () => {
    const res = await ask({ listServices: '' });
    const names = res.listServicesResponse?.service.map((s) => s.name) ?? [];
    expect(names).toEqual(expect.arrayContaining(['refdiff.worker.v1.SegmentationWorker', 'grpc.health.v1.Health']));
  });

  it('serves the descriptors generic tools need', async () => {
    for (const symbol of ['refdiff.worker.v1.SegmentationWorker', 'grpc.health.v1.Health']) {
      const res = await ask({ fileContainingSymbol: symbol });
      expect(res.errorResponse).toBeUndefined();
      expect(res.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);
    }
  });
});
