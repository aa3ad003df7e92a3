"""Vectorised NumPy weight-free proposals, the baseline `refdiff bench pipeline` is compared with.

Same work as weightFreeProposals in value mode: the 19 masks c >= mu (mu = 0.05 ... 0.95) and their generative
scores mean(c in M) - mean(c outside M), on a random smooth map of the same kind (Gaussian noise on a 16x16 grid,
bilinearly upsampled, min-max normalised). Prints one JSON object with the median over --runs.
Usage: python3 libs/pipeline/bench/weight_free_numpy.py [--size 1024] [--runs 20]
"""
import argparse
import json
import time

import numpy as np


def bilinear_upsample(grid: np.ndarray, size: int) -> np.ndarray:
    """torch F.interpolate(mode='bilinear', align_corners=False) in NumPy (only to build the input map)."""
    n = grid.shape[0]
    src = np.maximum((np.arange(size) + 0.5) * (n / size) - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(int), n - 1)
    i1 = np.minimum(i0 + 1, n - 1)
    w = (src - i0)[None, :]
    rows = grid[:, i0] * (1 - w) + grid[:, i1] * w
    w = (src - i0)[:, None]
    return (rows[i0, :] * (1 - w) + rows[i1, :] * w).astype(np.float32)


def weight_free(c: np.ndarray):
    masks = []
    scores = []
    for k in range(1, 20):
        m = c >= k / 20
        masks.append(m)
        inside = c[m]
        outside = c[~m]
        s_in = inside.mean() if inside.size else -np.inf
        s_out = outside.mean() if outside.size else 0.0
        scores.append(s_in - s_out)
    return masks, scores


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    c = bilinear_upsample(rng.standard_normal((16, 16)), args.size)
    c = (c - c.min()) / (c.max() - c.min() + 1e-8)
    weight_free(c)  # warm-up
    times = []
    cpu = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        c0 = time.process_time()
        weight_free(c)
        cpu.append((time.process_time() - c0) * 1000)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"size": args.size, "runs": args.runs, "numpyWeightFreeProposalsMs": round(float(np.median(times)), 3),
                      "numpyWeightFreeProposalsCpuMs": round(float(np.median(cpu)), 3), "numpy": np.__version__}))


if __name__ == "__main__":
    main()
