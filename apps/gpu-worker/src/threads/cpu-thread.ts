import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
// the light entry: the SAM post-processing code only (no image codecs), so a thread starts quickly
import { SamPostJob } from '@refdiff/pipeline/sam-post';
import { forTransfer, type FromThread, type ThreadError, type ToThread } from './cpu-thread.protocol';

/**
 * One thread of the GPU worker's CPU pool: runs SAM post-processing sessions (SamPostJob, the code the inline path
 * runs) one message at a time, and reports each step's CPU time, so the worker's stage CPU metric counts this
 * thread's work and not its waits.
 */
const port = parentPort;
if (!port) throw new Error('cpu-thread.ts must run in a worker thread');

/**
 * This thread's CPU clock in ms: process.threadCpuUsage where Node has it (≥ 23.9); on Linux the scheduler's
 * run time of this thread (/proc/thread-self/schedstat, nanoseconds; ~20 µs a read); else wall time, which equals
 * CPU time while the thread has a core to itself.
 */
function threadClock(): () => number {
  const own = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  if (own) {
    return () => {
      const u = own.call(process);
      return (u.user + u.system) / 1000;
    };
  }
  const schedstat = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  try {
    if (Number.isFinite(schedstat())) return schedstat;
  } catch {
    // not Linux, or no /proc
  }
  return () => performance.now();
}
const clockMs = threadClock();

interface Session {
  job: SamPostJob | null;
  error: ThreadError | undefined;
}
const sessions = new Map<number, Session>();

function toThreadError(err: unknown): ThreadError {
  const e = err as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof e?.name === 'string' ? e.name : 'Error',
    message: typeof e?.message === 'string' ? e.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  };
}

function post(msg: FromThread, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(msg, transfer);
}

port.on('message', (msg: ToThread) => {
  switch (msg.op) {
    case 'open': {
      let s: Session;
      try {
        s = { job: new SamPostJob(msg.geometry, msg.settings), error: undefined };
      } catch (err) {
        s = { job: null, error: toThreadError(err) };
      }
      sessions.set(msg.session, s);
      return;
    }
    case 'batch': {
      const s = sessions.get(msg.session);
      if (!s) return; // closed meanwhile: nothing waits for it
      const t0 = clockMs();
      if (s.job && !s.error) {
        try {
          s.job.addBatch({ points: msg.points, iouScores: msg.iouScores, lowResLogits: msg.lowResLogits }, msg.firstPoint);
        } catch (err) {
          s.error = toThreadError(err);
          s.job = null;
        }
      }
      post({ op: 'batchDone', session: msg.session, workMs: clockMs() - t0, ...(s.error ? { error: s.error } : {}) });
      return;
    }
    case 'finish': {
      const s = sessions.get(msg.session);
      sessions.delete(msg.session);
      if (!s) return;
      const t0 = clockMs();
      if (s.error || !s.job) {
        post({ op: 'finished', session: msg.session, workMs: 0, error: s.error ?? { name: 'Error', message: 'session has no job' } });
        return;
      }
      try {
        const p = s.job.finish();
        const transfer = new Set<ArrayBuffer>();
        const proposals = {
          ...p,
          masks: p.masks.map((m) => forTransfer(m, transfer)),
          runs: p.runs.map((r) => forTransfer(r, transfer)),
        };
        post({ op: 'finished', session: msg.session, workMs: clockMs() - t0, proposals }, [...transfer]);
      } catch (err) {
        post({ op: 'finished', session: msg.session, workMs: clockMs() - t0, error: toThreadError(err) });
      }
      return;
    }
    case 'close':
      sessions.delete(msg.session);
      return;
  }
});
