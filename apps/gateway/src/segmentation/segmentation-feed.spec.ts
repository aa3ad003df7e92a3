import { describe, expect, it } from 'vitest';
import type { SegmentationRequest } from '../__generated__/prisma/client';
import { PushIterator } from './push-iterator';
import { asOf, parseStatusEvent, type StatusEvent } from './segmentation-feed';

const finished = {
  id: 'a',
  tenantId: 't',
  imageId: 'i',
  status: 'SUCCEEDED',
  attempts: 1,
  worker: 'w:1',
  maskRle: { size: [2, 2], counts: '04' },
  maskBox: [0, 0, 1, 1],
  maskArea: 4,
  score: 0.9,
  scores: {},
  rootWord: 'ball',
  attentionPng: null,
  timingsMs: {},
  gpuMs: 12,
  startedAt: new Date(1),
  finishedAt: new Date(2),
} as unknown as SegmentationRequest;
const event = (status: StatusEvent['status'], attempts: number): StatusEvent => ({ id: 'a', tenantId: 't', imageId: 'i', status, attempts });

describe('status events', () => {
  it('parses the trigger payload and refuses anything else', () => {
    expect(parseStatusEvent('{"id":"a","tenantId":"t","imageId":"i","status":"RUNNING","attempts":1}')).toEqual(event('RUNNING', 1));
    expect(parseStatusEvent('{"id":"a","tenantId":"t","imageId":"i","status":"DONE","attempts":1}')).toBeNull();
    expect(parseStatusEvent('not json')).toBeNull();
  });

  it('reports an announced intermediate state as it was, without the later result', () => {
    const running = asOf(finished, event('RUNNING', 1));
    expect([running.status, running.maskRle, running.score, running.finishedAt, running.worker]).toEqual(['RUNNING', null, null, null, 'w:1']);
    const queued = asOf(finished, event('QUEUED', 0));
    expect([queued.status, queued.attempts, queued.startedAt, queued.worker]).toEqual(['QUEUED', 0, null, null]);
    expect(asOf(finished, event('SUCCEEDED', 1))).toBe(finished);
  });
});

describe('PushIterator', () => {
  it('hands out pushed values in order, ends after what is queued, and releases once', async () => {
    let released = 0;
    const it = new PushIterator<number>(() => released++);
    it.push(1);
    it.push(2);
    it.end();
    it.push(3);
    const seen = [];
    for await (const v of it) seen.push(v);
    expect([seen, released]).toEqual([[1, 2], 1]);
  });

  it('return() ends a consumer that is waiting at once', async () => {
    let released = 0;
    const it = new PushIterator<number>(() => released++);
    const pending = it.next();
    await it.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(released).toBe(1);
    await it.return();
    expect(released).toBe(1);
  });

  it('fail() rejects the next read', async () => {
    const it = new PushIterator<number>(() => undefined);
    const pending = it.next();
    it.fail(new Error('db down'));
    await expect(pending).rejects.toThrow('db down');
  });
});
