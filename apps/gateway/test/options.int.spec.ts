/**
 * Issue 14 D10 and issue 13.5 on the real PostgreSQL: `segment` checks options and expressions with the validation
 * the worker shares, against the pack (limits and tokenizer) the worker reports, so what a worker would refuse is
 * BAD_USER_INPUT naming the field, with nothing queued, nothing counted against the quota, no call to a worker;
 * and every override a client may set reaches the worker.
 */
import { clipFixtureTokenizerJson } from '@refdiff/nlp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type Database } from '../src/db/database';
import { GrpcWorkerPool } from '../src/dispatch/grpc-worker-pool';
import { startGateway, type GatewayRuntime } from '../src/runtime';
import { startFakeWorker, type FakeWorker } from './fake-worker';
import { gql, makeTenant, silentLogger, upload } from './harness';
import { pngNoise } from './images';
import { cloneTemplate } from './pg';

let drop: () => Promise<void>;
let db: Database;
let worker: FakeWorker;
let pool: GrpcWorkerPool;
let gw: GatewayRuntime;
let url: string;
let token: string;
let tenantId: string;
let img: string;

beforeAll(async () => {
  const clone = await cloneTemplate();
  drop = clone.drop;
  db = await openPostgres(clone.url, { poolMax: 4 });
  worker = await startFakeWorker({ pack: { tokenizerJson: clipFixtureTokenizerJson(), clipDynamicImageSize: false, clipLayers: 1 } });
  pool = await GrpcWorkerPool.create({ targets: [worker.target], logger: silentLogger, healthIntervalMs: 200 });
  await pool.packsSettled();
  gw = await startGateway({
    db,
    logger: silentLogger,
    pool,
    dispatcher: { pollMs: 100, leaseMs: 5_000 },
    settings: { authCacheMs: 0, waitRecheckMs: 200 },
  });
  url = `http://127.0.0.1:${await gw.listen(0)}`;
  const t = await makeTenant(gw.services, 'options', { monthlyExpressionQuota: 1_000 });
  token = t.token;
  tenantId = t.tenant.id;
  img = (await upload(url, token, await pngNoise(32, 24, 3))).body.image.id;
}, 60_000);

afterAll(async () => {
  await gw?.stop('handback');
  await pool?.close();
  await worker?.close();
  await db?.close();
  await drop?.();
});

const SEGMENT = `mutation($img: ID!, $ex: [String!]!, $o: SegmentOptionsInput) {
  segment(imageId: $img, expressions: $ex, options: $o) { id options } }`;

/** What a refused call must leave untouched: queued rows, usage (what the quota counts), worker calls. */
async function ledger() {
  const [rows, usage] = await Promise.all([
    db.prisma.segmentationRequest.count({ where: { tenantId } }),
    db.prisma.usageRollup.aggregate({ where: { tenantId }, _sum: { expressions: true, requests: true } }),
  ]);
  return { rows, expressions: usage._sum.expressions ?? 0, requests: usage._sum.requests ?? 0, workerCalls: worker.calls.length };
}

describe('segment refuses what the worker would refuse (D10)', () => {
  it('knows the pack the worker reported, tokenizer included', () => {
    const packs = pool.knownPacks();
    expect(packs).toHaveLength(1);
    expect(packs[0].limits).toMatchObject({ packName: 'fake', clipDynamicImageSize: false, clipLayers: 1 });
    expect(packs[0].text?.contextLength).toBe(77);
  });

  const long = Array.from({ length: 50 }, () => 'red blue').join(' '); // 449 characters, 100 words: > 75 tokens
  const cases: [string, string[], Record<string, unknown>, string, RegExp][] = [
    ['strength 1', ['the red box'], { strength: 1 }, 'options.strength', /\(0, 1\), got 1/],
    ['steps 1000 (100 UNet passes at the default strength)', ['the red box'], { steps: 1000 }, 'options.steps', /1 to 8 UNet passes/],
    ['steps 1000 with strength 0.5', ['the red box'], { steps: 1000, strength: 0.5 }, 'options.strength', /= 500/],
    ['fusion weights all 0', ['the red box'], { weights: { hard: 0, soft: 0, generative: 0 } }, 'options.weights', /at least one/],
    ['fusion weights 1e308', ['the red box'], { weights: { hard: 1e308, soft: 1e308, generative: 0 } }, 'options.weights.hard', /\[0, 100\]/],
    ['fusion weights −1e308', ['the red box'], { weights: { hard: 0.7, soft: -1e308, generative: 0 } }, 'options.weights.soft', /\[0, 100\]/],
    ['seed 2³²', ['the red box'], { seed: 4294967296 }, 'options.seed', /4294967295/],
    ['seed −1', ['the red box'], { seed: -1 }, 'options.seed', /got -1/],
    ['seed 1.5', ['the red box'], { seed: 1.5 }, 'options.seed', /integer/],
    ['guidance 0', ['the red box'], { guidanceScale: 0 }, 'options.guidanceScale', /\[1, 50\]/],
    ['topK 1000 is fine, 1001 is not', ['the red box'], { topK: 1001 }, 'options.topK', /\[1, 1000\]/],
    ['text weights both 0', ['the red box'], { hardText: { sentence: 0, root: 0 } }, 'options.hardText', /at least one/],
    ['clipResolution FULL on a fixed-size pack', ['the red box'], { clipResolution: 'FULL' }, 'options.clipResolution', /dynamicImageSize/],
    ['maskedLayer 2 on a one-layer pack', ['the red box'], { maskedLayer: 2 }, 'options.maskedLayer', /has 1 readable layer/],
    ['an expression over 75 tokens (under 500 characters)', ['the red box', long], {}, 'expressions[1]', /token/],
    ['an emoji-only expression', ['🍎🍌🍇'], {}, 'expressions[0]', /no words/],
    ['501 code points', ['a'.repeat(501)], {}, 'expressions[0]', /501 exceeds the limit of 500/],
  ];

  it.each(cases)('%s → BAD_USER_INPUT naming %3$s; nothing queued, counted or sent', async (_name, ex, o, field, message) => {
    const before = await ledger();
    const r = await gql(url, token, SEGMENT, { img, ex, o });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const issues = r.errors?.[0]?.extensions?.issues as { field: string; message: string }[];
    expect(issues.map((i) => i.field)).toContain(field);
    expect(issues.find((i) => i.field === field)?.message).toMatch(message);
    expect(r.errors?.[0]?.message).toContain(field);
    expect(await ledger()).toEqual(before);
  });

  it('a seed literal in the document goes through the same check (UInt32 takes 2³²−1, refuses 2³²)', async () => {
    const literal = (seed: string) =>
      gql(url, token, `mutation($img: ID!) { segment(imageId: $img, expressions: ["the red box"], options: { seed: ${seed}, steps: 1000 }) { id } }`, { img });
    const before = await ledger();
    const r = await literal('4294967296');
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((r.errors?.[0]?.extensions?.issues as { field: string }[]).map((i) => i.field)).toEqual(['options.steps', 'options.seed']);
    expect((await literal('"7"')).errors?.[0]?.message).toMatch(/UInt32 must be a number/);
    expect(await ledger()).toEqual(before);
  });

  it('counts characters in code points: 300 astral letters (600 UTF-16 units) pass the length rule, then meet the token rule', async () => {
    const text = '𝐚'.repeat(300);
    expect(text.length).toBe(600);
    const r = await gql(url, token, SEGMENT, { img, ex: [text] });
    const issue = (r.errors?.[0]?.extensions?.issues as { field: string; message: string; code: string }[])[0];
    expect(issue).toMatchObject({ field: 'expressions[0]', code: 'EXPRESSION_TOO_LONG' });
    expect(issue.message).toMatch(/token/);
  });
});

describe('every override reaches the worker', () => {
  it('a valid full set is queued, stored and sent as the worker contract says; the seed takes 2³²−1', async () => {
    const o = {
      preset: 'PAPER',
      proposals: 'WEIGHT_FREE',
      seed: 4294967295,
      alpha: 0.2,
      beta: 0.4,
      weights: { hard: 0.5, soft: 0.5, generative: 0.1 },
      imageSize: 256,
      steps: 40,
      strength: 0.2,
      guidanceScale: 3,
      attentionLevel: 2,
      attentionKind: 'LOGITS',
      topK: 1000,
      minArea: 5,
      minAreaRatio: 0.01,
      positionalBias: 'RAMP',
      biasBranch: 'HARD',
      thresholdMode: 'QUANTILE',
      hardText: { sentence: 0.25, root: 0.75 },
      softText: { sentence: 1, root: 0 },
      fusion: 'REFERENCE',
      clipResolution: 'FIXED',
      clipMaxSide: 640,
      maskedLayer: -1,
    };
    const r = await gql(url, token, SEGMENT, { img, ex: ['the red box on the left'], o });
    expect(r.errors).toBeUndefined();
    const expected = {
      preset: 'PRESET_PAPER',
      proposalSource: 'PROPOSAL_SOURCE_WEIGHT_FREE',
      seed: 4294967295,
      overrides: {
        alpha: 0.2,
        beta: 0.4,
        weights: { hard: 0.5, soft: 0.5, generative: 0.1 },
        imageSize: 256,
        steps: 40,
        strength: 0.2,
        guidanceScale: 3,
        attentionLevel: 2,
        attentionKind: 'ATTENTION_KIND_LOGITS',
        topK: 1000,
        minArea: 5,
        minAreaRatio: 0.01,
        positionalBias: 'POSITIONAL_BIAS_RAMP',
        biasBranch: 'DISCRIMINATIVE_BRANCH_HARD',
        thresholdMode: 'THRESHOLD_MODE_QUANTILE',
        hardText: { sentence: 0.25, root: 0.75 },
        softText: { sentence: 1, root: 0 },
        fusion: 'PRESET_REFERENCE',
        clipResolution: 'CLIP_RESOLUTION_FIXED',
        clipMaxSide: 640,
        maskedLayer: -1,
      },
    };
    expect(r.data!.segment[0].options).toEqual(expected);
    const id = r.data!.segment[0].id as string;
    const done = await gql(url, token, 'query($ids: [ID!]!) { waitForSegmentations(ids: $ids, timeoutSeconds: 20) { status } }', { ids: [id] });
    expect(done.data!.waitForSegmentations[0].status).toBe('SUCCEEDED');
    const call = worker.calls.find((c) => c.expressions.includes('the red box on the left'));
    expect(call?.options).toMatchObject({ ...expected, overrides: expected.overrides });
  });
});
