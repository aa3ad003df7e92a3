import { describe, expect, it } from 'vitest';
import { WorkerConfigError, defaultCpuThreads, loadWorkerConfig } from './env';

describe('loadWorkerConfig', () => {
  it('fills defaults and freezes the result', () => {
    const config = loadWorkerConfig({});
    expect(config.grpc.listen).toBe('127.0.0.1:50051');
    expect(config.models).toMatchObject({ pack: undefined, executionProvider: 'cpu', threads: undefined });
    expect(loadWorkerConfig({ XDG_CACHE_HOME: '/x' }).models.cacheDir).toBe('/x/refdiff');
    expect(loadWorkerConfig({ REFDIFF_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }).models.cacheDir).toBe('/c');
    expect(config.limits.concurrency).toBe(1);
    expect(config.metrics.port).toBeUndefined();
    expect(Object.isFrozen(config.limits)).toBe(true);
  });

  it('reads the environment and lets flags win', () => {
    const config = loadWorkerConfig(
      {
        REFDIFF_WORKER_LISTEN: '0.0.0.0:6000',
        REFDIFF_MODEL_PACK: '/packs/a',
        REFDIFF_WORKER_CONCURRENCY: '3',
        REFDIFF_IMAGE_CACHE_BYTES: '1048576',
        REFDIFF_METRICS_PORT: '9100',
        REFDIFF_EXECUTION_PROVIDER: 'cuda',
      },
      { listen: '127.0.0.1:7000', metricsPort: '0' },
    );
    expect(config.grpc.listen).toBe('127.0.0.1:7000');
    expect(config.models.pack).toBe('/packs/a');
    expect(config.models.executionProvider).toBe('cuda');
    expect(config.limits.concurrency).toBe(3);
    expect(config.cache.imageBytes).toBe(1_048_576);
    expect(config.metrics.port).toBe(0);
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      loadWorkerConfig({
        REFDIFF_WORKER_LISTEN: 'nonsense',
        REFDIFF_WORKER_CONCURRENCY: '0',
        REFDIFF_EXECUTION_PROVIDER: 'tpu',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorkerConfigError);
    const message = (err as Error).message;
    expect(message).toContain('REFDIFF_WORKER_LISTEN');
    expect(message).toContain('REFDIFF_WORKER_CONCURRENCY');
    expect(message).toContain('REFDIFF_EXECUTION_PROVIDER');
  });

  it('reads the model memory limit as a size, or off', () => {
    expect(loadWorkerConfig({}).models.maxModelMemory).toBeUndefined();
    expect(loadWorkerConfig({ REFDIFF_MAX_MODEL_MEMORY: '20G' }).models.maxModelMemory).toBe(20 * 1024 ** 3);
    expect(loadWorkerConfig({ REFDIFF_MAX_MODEL_MEMORY: 'off' }).models.maxModelMemory).toBe(Infinity);
    expect(() => loadWorkerConfig({ REFDIFF_MAX_MODEL_MEMORY: 'plenty' })).toThrow(/REFDIFF_MAX_MODEL_MEMORY: 'plenty' is not a memory size/);
  });

  it('runs 2 calls at once on a GPU and 1 on the CPU provider unless told', () => {
    expect(loadWorkerConfig({}).limits.concurrency).toBe(1);
    expect(loadWorkerConfig({ REFDIFF_EXECUTION_PROVIDER: 'cuda' }).limits.concurrency).toBe(2);
    expect(loadWorkerConfig({ REFDIFF_EXECUTION_PROVIDER: 'cuda', REFDIFF_WORKER_CONCURRENCY: '4' }).limits.concurrency).toBe(4);
  });

  it('sizes the CPU thread pool from the cores unless told (0 = inline)', () => {
    expect(loadWorkerConfig({}).cpu.threads).toBe(defaultCpuThreads());
    expect(loadWorkerConfig({ REFDIFF_WORKER_CPU_THREADS: '0' }).cpu.threads).toBe(0);
    expect(loadWorkerConfig({ REFDIFF_WORKER_CPU_THREADS: '3' }).cpu.threads).toBe(3);
    expect(() => loadWorkerConfig({ REFDIFF_WORKER_CPU_THREADS: '-1' })).toThrow(/REFDIFF_WORKER_CPU_THREADS/);
    expect([1, 2, 3, 4, 8, 64].map((cores) => defaultCpuThreads(cores))).toEqual([0, 0, 1, 2, 4, 4]);
  });

  it('refuses an image limit that does not fit in a message', () => {
    expect(() =>
      loadWorkerConfig({ REFDIFF_MAX_MESSAGE_BYTES: '1048576', REFDIFF_MAX_IMAGE_BYTES: '1048576' }),
    ).toThrow(/REFDIFF_MAX_IMAGE_BYTES/);
  });
});
