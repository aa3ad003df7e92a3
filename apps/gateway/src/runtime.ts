/**
 * One running gateway: database, services, HTTP server, and (when it has workers) the dispatcher, wired to
 * Postgres notifications. Used by `refdiff serve`, the app's start script and the tests.
 */
import type { Logger } from 'pino';
import type { Database } from './db/database';
import { Dispatcher, type DispatcherOptions } from './dispatch/dispatcher';
import type { WorkerPool } from './dispatch/worker-pool';
import { createHttpApp, defaultHttpLimits, type GatewayHttp, type HttpLimits, type HttpOptions } from './http/app';
import { STATUS_CHANNEL } from './segmentation/segmentation-feed';
import { DONE_CHANNEL, QUEUE_CHANNEL } from './segmentation/segmentation.repository';
import { createServices, type ServiceSettings, type Services } from './services';

export interface GatewayRuntimeOptions {
  db: Database;
  logger: Logger;
  pool: WorkerPool | null;
  /** Run a dispatcher in this process (default: when there is a pool). */
  dispatch?: boolean;
  dispatcher?: DispatcherOptions;
  /** Start the dispatcher at once (default true; tests queue work first). */
  startDispatcher?: boolean;
  limits?: Partial<HttpLimits>;
  http?: HttpOptions;
  settings?: ServiceSettings;
}

export interface GatewayRuntime {
  services: Services;
  http: GatewayHttp;
  dispatcher: Dispatcher | null;
  listen(port: number, host?: string): Promise<number>;
  /** Stops serving and dispatching; rows in flight go back to the queue. Does not close the database or pool. */
  stop(mode?: 'handback' | 'graceful' | 'abandon'): Promise<void>;
}

export async function startGateway(options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const { db, logger, pool } = options;
  const services = createServices(db, logger, pool, options.settings);
  const http = await createHttpApp(services, { ...defaultHttpLimits, ...options.limits }, options.http);
  // A NOTIFY that comes back for a row this process's dispatcher is still recording is held back: the row follows
  // with the statement's answer (onFinished), so waiters here need not read it. Should no row come (cancelled
  // meanwhile, or the statement failed), the held-back announcement is made when the statement ends.
  const heldBack = new Set<string>();
  const dispatcher =
    pool && (options.dispatch ?? true)
      ? new Dispatcher(services.queue, pool, logger.child({ component: 'dispatcher' }), {
          metrics: services.metrics,
          // this process's waiters get the final rows at once (other replicas' through the NOTIFY)
          onFinished: (rows) => {
            for (const row of rows) {
              heldBack.delete(row.id);
              services.completion.emit(row.id, row);
            }
          },
          onFinishSettled: (ids) => {
            for (const id of ids) if (heldBack.delete(id)) services.completion.emit(id);
          },
          ...options.dispatcher,
        })
      : null;
  const unlisten = [
    await db.listen(DONE_CHANNEL, (id) => {
      if (dispatcher?.isFinishing(id)) heldBack.add(id);
      else services.completion.emit(id);
    }),
    await db.listen(STATUS_CHANNEL, (payload) => services.feed.publish(payload)),
    ...(dispatcher ? [await db.listen(QUEUE_CHANNEL, () => dispatcher.notified())] : []),
  ];
  // a batch queued here goes straight to this dispatcher when it has a slot free and nothing older is due
  services.segmentations.handOffTo(dispatcher);
  if (options.startDispatcher ?? true) dispatcher?.start();
  services.retention.start();
  return {
    services,
    http,
    dispatcher,
    listen: (port, host) => http.listen(port, host),
    stop: async (mode = 'handback') => {
      // Handing back (or abandoning) is immediate, so it goes first; a graceful stop drains after the server closes.
      if (mode !== 'graceful') await dispatcher?.stop(mode);
      await http.close();
      if (mode === 'graceful') await dispatcher?.stop(mode);
      await services.retention.stop();
      await Promise.all(unlisten.map((u) => u()));
    },
  };
}
