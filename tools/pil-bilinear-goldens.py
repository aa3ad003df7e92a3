#!/usr/bin/env python3
"""Golden outputs of PIL's bilinear resize, for libs/pipeline/src/image/pil-resample.spec.ts.

segment-anything's ResizeLongestSide.apply_image is `np.array(resize(to_pil_image(image), target_size))`:
torchvision's resize on a PIL image calls `Image.resize((w, h), Image.BILINEAR)`. The test re-creates the same
deterministic input images (see `test_image`, mirrored in the spec) and compares its port with these values.

Regenerate (Debian: `apt-get install -y python3-pil`; no numpy needed):
    /usr/bin/python3 tools/pil-bilinear-goldens.py > libs/pipeline/test/fixtures/pil-bilinear/goldens.json
"""
import hashlib
import json

import PIL
from PIL import Image

# (input width, input height, output width, output height): up- and downscales, odd sizes, one axis only,
# SAM's longest-side-1024 shapes (new = int(old * 1024 / max(w, h) + 0.5)).
CASES = [
    (37, 23, 64, 40),
    (23, 37, 40, 64),
    (37, 23, 5, 3),
    (300, 17, 1024, 58),
    (17, 300, 58, 1024),
    (1500, 900, 1024, 614),
    (640, 480, 1024, 768),
    (1024, 700, 1024, 700),
    (1024, 701, 1024, 333),
    (999, 1001, 1022, 1024),
    (7, 3, 1024, 439),
    (1, 1, 3, 2),
]


def test_image(width, height, seed):
    """xorshift32 noise on a checkerboard of 8-px cells, a ramp and a hard edge elsewhere (spec mirrors this)."""
    state = seed & 0xFFFFFFFF or 1
    out = bytearray(width * height * 3)
    i = 0
    for y in range(height):
        for x in range(width):
            for c in range(3):
                state ^= (state << 13) & 0xFFFFFFFF
                state ^= state >> 17
                state ^= (state << 5) & 0xFFFFFFFF
                noise = state >> 24
                cell = ((x >> 3) + (y >> 3) + c) % 3
                if cell == 0:
                    v = noise
                elif cell == 1:
                    v = (x * 255) // max(1, width - 1) if c != 1 else (y * 255) // max(1, height - 1)
                else:
                    v = 250 if (x + 2 * y + c) % 11 < 5 else 3
                out[i] = v
                i += 1
    return bytes(out)


def sample_points(width, height):
    pts = [(0, 0), (width - 1, 0), (0, height - 1), (width - 1, height - 1), (width // 2, height // 2)]
    state = (width * 7919 + height * 104729) & 0xFFFFFFFF or 1
    for _ in range(11):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        x = state % width
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        pts.append((x, state % height))
    return pts


def main():
    rows = []
    for n, (iw, ih, ow, oh) in enumerate(CASES):
        src = Image.frombytes('RGB', (iw, ih), test_image(iw, ih, 0x9E3779B9 + n))
        dst = src.resize((ow, oh), Image.BILINEAR).tobytes()
        samples = [[x, y, *dst[(y * ow + x) * 3:(y * ow + x) * 3 + 3]] for x, y in sample_points(ow, oh)]
        row = {'in': [iw, ih], 'out': [ow, oh], 'seed': 0x9E3779B9 + n,
               'sha256': hashlib.sha256(dst).hexdigest(), 'samples': samples}
        if ow * oh <= 64:
            row['pixels'] = dst.hex()
        rows.append(row)
    head = json.dumps(f'tools/pil-bilinear-goldens.py, Pillow {PIL.__version__}')
    print('{"generator": ' + head + ', "cases": [\n' + ',\n'.join(json.dumps(r) for r in rows) + '\n]}')


if __name__ == '__main__':
    main()
