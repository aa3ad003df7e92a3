import { pino, type Logger } from 'pino';

/** The worker's one pino instance; components get `logger.child({ component })`. */
export function createWorkerLogger(level: string): Logger {
  return pino({
    level,
    base: { service: 'gpu-worker', pid: process.pid },
    redact: { paths: ['authorization', '*.authorization', 'metadata.authorization'], censor: '[redacted]' },
  });
}
