import pino, { type Logger } from 'pino';

/** The gateway's one pino instance; components take `logger.child({ component })`. Keys and auth headers redacted. */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  return pino({
    name: 'refdiff-gateway',
    level: options.level ?? 'info',
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'token', '*.token', 'headers.authorization'],
      censor: '[redacted]',
    },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname' } } } : {}),
  });
}
