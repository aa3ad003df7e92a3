/**
 * `refdiff serve --example`: once the gateway is up, plays a client against it — a synthetic scene (the world the
 * fixture pack understands) uploaded over HTTP, one `segment` call with the scene's referring expressions, a long
 * poll for the results — and prints each mask's IoU against the scene's exact ground truth.
 */
import { decodeRle, scoreMask } from '@refdiff/pipeline';
import { createRng, generateScene, referringExpressions } from '@refdiff/synthetic';

export interface ExampleResult {
  imageId: string;
  rows: { expression: string; status: string; iou: number | null; box: number[] | null; error: string | null }[];
}

async function post<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: unknown; errors?: { message: string }[] };
  if (json.errors?.length) throw new Error(`GraphQL: ${json.errors.map((e) => e.message).join('; ')}`);
  return json.data as T;
}

export async function runExample(baseUrl: string, token: string, options: { seed?: number; timeoutSeconds?: number } = {}): Promise<ExampleResult> {
  const seed = options.seed ?? 7;
  const scene = generateScene({ width: 192, height: 128, seed, objects: 3 });
  const expressions = referringExpressions(scene, createRng(seed)).slice(0, 3);
  const { default: sharp } = await import('sharp');
  const png = await sharp(Buffer.from(scene.image), { raw: { width: scene.width, height: scene.height, channels: 3 } }).png().toBuffer();
  const up = await fetch(`${baseUrl}/v1/images`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
    body: new Uint8Array(png),
  });
  const uploaded = (await up.json()) as { image?: { id: string }; error?: { message: string } };
  if (!uploaded.image) throw new Error(`upload failed: ${uploaded.error?.message ?? up.status}`);
  const imageId = uploaded.image.id;
  const seg = await post<{ segment: { id: string }[] }>(`${baseUrl}/graphql`, token, {
    query: 'mutation($i: ID!, $e: [String!]!) { segment(imageId: $i, expressions: $e) { id } }',
    variables: { i: imageId, e: expressions.map((e) => e.text) },
  });
  const ids = seg.segment.map((s) => s.id);
  const deadline = Date.now() + (options.timeoutSeconds ?? 300) * 1000;
  type Row = {
    expression: string;
    status: string;
    error: { code: string; message: string } | null;
    mask: { box: number[]; rle: { size: [number, number]; counts: string } } | null;
  };
  let rows: Row[] = [];
  for (;;) {
    const done = await post<{ waitForSegmentations: Row[] }>(`${baseUrl}/graphql`, token, {
      query: `query($ids: [ID!]!, $t: Int) { waitForSegmentations(ids: $ids, timeoutSeconds: $t) {
        expression status error { code message } mask { box rle { size counts } } } }`,
      variables: { ids, t: 30 },
    });
    rows = done.waitForSegmentations;
    if (rows.every((r) => ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status)) || Date.now() > deadline) break;
  }
  return {
    imageId,
    rows: rows.map((r, i) => {
      const truth = scene.masks[expressions[i].target];
      const iou = r.mask ? scoreMask(decodeRle(r.mask.rle), truth).iou : null;
      return {
        expression: r.expression,
        status: r.status,
        iou,
        box: r.mask?.box ?? null,
        error: r.error ? `${r.error.code}: ${r.error.message}` : null,
      };
    }),
  };
}

export function formatExample(result: ExampleResult): string {
  const lines = [`example: image ${result.imageId} (synthetic scene, 192×128), segmented through the gateway:`];
  for (const r of result.rows) {
    const detail = r.status === 'SUCCEEDED' ? `mask box [${r.box?.join(', ')}], IoU vs ground truth ${r.iou?.toFixed(3)}` : (r.error ?? '');
    lines.push(`  "${r.expression}" → ${r.status}  ${detail}`);
  }
  return lines.join('\n');
}
