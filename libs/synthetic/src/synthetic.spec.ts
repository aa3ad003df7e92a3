import { describe, expect, it } from 'vitest';
import {
  BACKGROUND,
  CLASSIC_KINDS,
  COLOR_NAMES,
  COLORS,
  createRng,
  CROWDED_LIGHTING,
  CROWDED_MAX_SIDE,
  CROWDED_MIN_SIDE,
  CROWDED_NOISE_SIGMA,
  DIRECTIONS,
  EXPRESSION_KINDS,
  generateScene,
  GENERIC_NOUNS,
  referringExpressions,
  resolveCorner,
  resolveReference,
  shapeGap,
  syntheticSamples,
  type ColorName,
  type Direction,
  type ExpressionKind,
  type Scene,
} from './index';

function box(mask: Uint8Array, w: number, h: number) {
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) {
    x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
  }
  return { x0, y0, x1, y1 };
}

/** Reads an expression the way a person would: its colour word and its direction word, nothing else. */
function meaning(text: string): { color: ColorName; direction: Direction | null } {
  const words = text.split(/\s+/);
  const colors = words.filter((w): w is ColorName => (COLOR_NAMES as readonly string[]).includes(w));
  const dirs = words.map((w) => w.replace(/most$/, '')).filter((w): w is Direction => (DIRECTIONS as readonly string[]).includes(w));
  expect(colors).toHaveLength(1);
  expect(dirs.length).toBeLessThanOrEqual(1);
  return { color: colors[0], direction: dirs[0] ?? null };
}

describe('generateScene', () => {
  it('is deterministic in its seed and differs across seeds', () => {
    const a = generateScene({ width: 200, height: 120, seed: 7 });
    const b = generateScene({ width: 200, height: 120, seed: 7 });
    const c = generateScene({ width: 200, height: 120, seed: 8 });
    expect(Buffer.from(a.image).equals(Buffer.from(b.image))).toBe(true);
    expect(a.objects).toEqual(b.objects);
    expect(Buffer.from(a.image).equals(Buffer.from(c.image))).toBe(false);
  });

  it('rejects sizes outside the world', () => {
    expect(() => generateScene({ width: 63, height: 100, seed: 1 })).toThrow(/width/);
    expect(() => generateScene({ width: 512, height: 100, seed: 1 })).toThrow(/aspect/);
  });

  it('renders exactly what the masks say, on a grey background, with shapes apart', () => {
    const rng = createRng(3);
    for (let n = 0; n < 40; n++) {
      const width = rng.int(64, 512);
      const height = Math.max(64, Math.min(512, Math.round(width * rng.uniform(0.5, 2))));
      const scene: Scene = generateScene({ width, height, seed: n });
      expect(scene.objects.length).toBeGreaterThanOrEqual(1);
      const owner = new Int16Array(width * height).fill(-1);
      let overlaps = 0;
      scene.masks.forEach((m, k) => {
        let area = 0;
        for (let i = 0; i < m.length; i++) if (m[i]) {
          if (owner[i] !== -1) overlaps++; // masks are disjoint
          owner[i] = k;
          area++;
        }
        expect(area).toBe(scene.objects[k].area);
        expect(area).toBeGreaterThan(0);
      });
      expect(overlaps).toBe(0);
      let wrong = 0;
      for (let i = 0; i < width * height; i++) {
        const rgb = owner[i] < 0 ? BACKGROUND : COLORS[scene.objects[owner[i]].color];
        for (let c = 0; c < 3; c++) if (scene.image[i * 3 + c] !== rgb[c]) wrong++;
      }
      expect(wrong).toBe(0);
      const gap = shapeGap(width, height);
      const boxes = scene.masks.map((m) => box(m, width, height));
      for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i], b = boxes[j];
        const gx = Math.max(b.x0 - a.x1 - 1, a.x0 - b.x1 - 1);
        const gy = Math.max(b.y0 - a.y1 - 1, a.y0 - b.y1 - 1);
        expect(Math.max(gx, gy)).toBeGreaterThanOrEqual(gap - 1);
      }
    }
  });
});

describe('referring expressions', () => {
  it('each expression, read by colour and direction only, denotes exactly its referent', () => {
    let withDirection = 0;
    let total = 0;
    const forms = new Set<string>();
    for (const sample of syntheticSamples({ seed: 11, count: 400 })) {
      const { scene, expression } = sample;
      const m = meaning(expression.text);
      expect(m.color).toBe(scene.objects[expression.target].color);
      expect(m.direction).toBe(expression.direction);
      expect(resolveReference(scene, m.color, m.direction)).toBe(expression.target);
      // the shape noun is never needed: the same colour+direction without the noun already singles it out
      if (m.direction === null) expect(scene.objects.filter((o) => o.color === m.color)).toHaveLength(1);
      forms.add(expression.form);
      total++;
      if (expression.direction) withDirection++;
    }
    expect(total).toBe(400);
    expect(forms.size).toBe(5);
    expect(withDirection).toBeGreaterThan(60);
    expect(withDirection).toBeLessThan(340);
  });

  it('refuses a direction that does not single out one object', () => {
    // two red squares side by side, close in x: neither left nor right separates them by the margin
    const scene = generateScene({ width: 256, height: 256, seed: 5, objects: 6, repeatColorProbability: 1 });
    for (const o of scene.objects) {
      for (const d of [null, ...DIRECTIONS]) {
        const r = resolveReference(scene, o.color, d);
        if (r !== null) expect(scene.objects[r].color).toBe(o.color);
      }
    }
    const same = scene.objects.filter((o) => o.color === scene.objects[0].color);
    if (same.length > 1) expect(resolveReference(scene, scene.objects[0].color, null)).toBeNull();
  });

  it('is deterministic', () => {
    const a = [...syntheticSamples({ seed: 2, count: 30 })].map((s) => [s.id, s.expression.text, s.scene.width]);
    const b = [...syntheticSamples({ seed: 2, count: 30 })].map((s) => [s.id, s.expression.text, s.scene.width]);
    expect(a).toEqual(b);
    const forScene = referringExpressions(generateScene({ width: 300, height: 200, seed: 1 }), createRng(1));
    expect(forScene.length).toBeGreaterThan(0);
  });
});

describe('expression kinds', () => {
  /** Reads an expression as a person would: the colour word (if any) and the direction words, nothing else. */
  function read(text: string): { color: ColorName | null; directions: Direction[] } {
    const words = text.split(/\s+/);
    const colors = words.filter((w): w is ColorName => (COLOR_NAMES as readonly string[]).includes(w));
    expect(colors.length).toBeLessThanOrEqual(1);
    const directions = words.map((w) => w.replace(/most$/, '')).filter((w): w is Direction => (DIRECTIONS as readonly string[]).includes(w));
    return { color: colors[0] ?? null, directions };
  }

  it('produces every kind, each expression denoting exactly its referent by colour and position alone', () => {
    const byKind = new Map<ExpressionKind, number>();
    for (const { scene, expression: e } of syntheticSamples({ seed: 12, count: 300, kinds: EXPRESSION_KINDS })) {
      byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
      const m = read(e.text);
      expect(m.color, e.text).toBe(e.color);
      expect(m.directions, e.text).toEqual(e.directions);
      switch (e.kind) {
        case 'color':
          expect(m.directions).toHaveLength(0);
          expect(resolveReference(scene, m.color, null)).toBe(e.target);
          break;
        case 'color-direction':
          expect(m.color).not.toBeNull();
          expect(resolveReference(scene, m.color, m.directions[0])).toBe(e.target);
          break;
        case 'corner':
          expect(m.color).not.toBeNull();
          expect(m.directions).toHaveLength(2);
          expect(resolveCorner(scene, m.color, m.directions[0] as 'top' | 'bottom', m.directions[1] as 'left' | 'right')).toBe(e.target);
          break;
        case 'direction':
          // no colour: the direction singles it out among all shapes; only generic nouns
          expect(m.color).toBeNull();
          expect(m.directions).toHaveLength(1);
          expect(resolveReference(scene, null, m.directions[0])).toBe(e.target);
          expect([...GENERIC_NOUNS, 'one']).toContain(e.noun);
          break;
      }
    }
    for (const k of EXPRESSION_KINDS) expect(byKind.get(k) ?? 0, k).toBeGreaterThan(15);
  });

  it('keeps the classic stream by default and restricts to the kinds asked', () => {
    const classic = [...syntheticSamples({ seed: 4, count: 80 })];
    expect(new Set(classic.map((s) => s.expression.kind))).toEqual(new Set(CLASSIC_KINDS));
    expect(classic.map((s) => s.expression.text)).toEqual([...syntheticSamples({ seed: 4, count: 80, kinds: CLASSIC_KINDS })].map((s) => s.expression.text));
    const direction = [...syntheticSamples({ seed: 4, count: 40, kinds: ['direction'] })];
    expect(direction.every((s) => s.expression.kind === 'direction' && s.expression.color === null)).toBe(true);
    expect(() => [...syntheticSamples({ seed: 4, count: 5, kinds: ['size' as ExpressionKind] })]).toThrow(/unknown expression kind size/);
  });
});

describe('crowded scenes', () => {
  it('are COCO-sized with 3–7 shapes, exact masks, and a lighting gradient with noise over the image', () => {
    const seen = new Set<string>();
    for (const { scene } of syntheticSamples({ seed: 21, count: 120, crowded: true, kinds: EXPRESSION_KINDS })) {
      const key = `${scene.seed}`;
      if (seen.has(key)) continue;
      seen.add(key);
      expect(scene.width).toBeGreaterThanOrEqual(CROWDED_MIN_SIDE);
      expect(scene.width).toBeLessThanOrEqual(CROWDED_MAX_SIDE);
      expect(scene.height).toBeGreaterThanOrEqual(CROWDED_MIN_SIDE);
      expect(scene.height).toBeLessThanOrEqual(CROWDED_MAX_SIDE);
      expect(scene.objects.length).toBeGreaterThanOrEqual(3);
      expect(scene.objects.length).toBeLessThanOrEqual(7);
      const L = Math.max(scene.width, scene.height);
      for (const o of scene.objects) {
        expect(o.size).toBeGreaterThanOrEqual(Math.round(0.1 * L));
        expect(o.size).toBeLessThanOrEqual(Math.round(0.16 * L));
      }
      // background pixels: grey lit by 1 ± 15 % plus noise — not all equal, all near grey
      const bg: number[] = [];
      const inside = new Uint8Array(scene.width * scene.height);
      for (const m of scene.masks) m.forEach((v, i) => { if (v) inside[i] = 1; });
      for (let i = 0; i < inside.length; i += 97) if (!inside[i]) bg.push(scene.image[i * 3]);
      const lo = Math.min(...bg), hi = Math.max(...bg);
      expect(hi - lo).toBeGreaterThan(15);
      expect(lo).toBeGreaterThanOrEqual(Math.floor(128 * (1 - CROWDED_LIGHTING)) - 5 * CROWDED_NOISE_SIGMA);
      expect(hi).toBeLessThanOrEqual(Math.ceil(128 * (1 + CROWDED_LIGHTING)) + 5 * CROWDED_NOISE_SIGMA);
      // each object's pixels stay closest to its own colour
      scene.objects.forEach((o, k) => {
        const rgb = COLORS[o.color];
        let far = 0, n = 0;
        scene.masks[k].forEach((v, i) => {
          if (!v) return;
          n++;
          const d = Math.hypot(scene.image[i * 3] - rgb[0], scene.image[i * 3 + 1] - rgb[1], scene.image[i * 3 + 2] - rgb[2]);
          if (d > 60) far++;
        });
        expect(far / n).toBeLessThan(0.01);
      });
    }
    expect(seen.size).toBeGreaterThan(5);
  });

  it('is refused outside its sizes, and normal scenes stay within 512', () => {
    expect(() => generateScene({ width: 600, height: 500, seed: 1 })).toThrow(/width/);
    expect(generateScene({ width: 640, height: 480, seed: 1, crowded: true }).objects.length).toBeGreaterThanOrEqual(3);
  });
});
