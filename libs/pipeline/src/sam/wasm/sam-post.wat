;; The hot loops of SamRunUpscaler.stats (run-upscale.ts), on a copy of the candidate's low-res cells in this
;; module's memory: the scan (background skipped with f32x4 SIMD, then the runs of each row's extent) and the
;; classification of the boundary tap windows (float64, the same operations in the same order as the JavaScript —
;; two pixels at a time in f64x2 lanes — so every sum is bit-identical).
;; Compiled by `npx tsx libs/pipeline/src/sam/wasm/build-sam-post.ts` into sam-post.wasm.ts; a test checks that
;; file is this source's compilation.
(module
  (memory (export "memory") 1)

  ;; rowExtents(ptr, rows, cols, stride, lower, out): rows × cols float32 cells at byte address ptr, rows `stride`
  ;; cells apart; writes int32 pairs (first, last) per row at byte address out, (-1, -1) for a row whose cells
  ;; are all ≤ lower. Returns the number of rows with a pair.
  (func $rowExtents (export "rowExtents")
    (param $ptr i32) (param $rows i32) (param $cols i32) (param $stride i32) (param $lower f32) (param $out i32)
    (result i32)
    (local $l v128) (local $r i32) (local $row i32) (local $c i32) (local $e i32) (local $n i32)
    (local.set $l (f32x4.splat (local.get $lower)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
        (local.set $row (i32.add (local.get $ptr) (i32.shl (i32.mul (local.get $r) (local.get $stride)) (i32.const 2))))
        ;; first: from the left, 16, then 4, then 1 cell at a time
        (local.set $c (i32.const 0))
        (block $b16 (loop $l16
          (br_if $b16 (i32.gt_s (i32.add (local.get $c) (i32.const 16)) (local.get $cols)))
          (br_if $b16 (i32.eqz (i32x4.all_true
            (v128.and
              (v128.and
                (f32x4.le (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $l))
                (f32x4.le (v128.load offset=16 align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $l)))
              (v128.and
                (f32x4.le (v128.load offset=32 align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $l))
                (f32x4.le (v128.load offset=48 align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $l)))))))
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br $l16)))
        (block $b4 (loop $l4
          (br_if $b4 (i32.gt_s (i32.add (local.get $c) (i32.const 4)) (local.get $cols)))
          (br_if $b4 (i32.eqz (i32x4.all_true (f32x4.le (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $l)))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $l4)))
        (block $b1 (loop $l1
          (br_if $b1 (i32.ge_s (local.get $c) (local.get $cols)))
          (br_if $b1 (i32.eqz (f32.le (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $lower))))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $l1)))
        (if (i32.ge_s (local.get $c) (local.get $cols))
          (then
            (i32.store (local.get $out) (i32.const -1))
            (i32.store offset=4 (local.get $out) (i32.const -1)))
          (else
            ;; last: from the right, down to first + 1 (cell `first` is known not quiet)
            (local.set $e (local.get $cols))
            (block $e16 (loop $m16
              (br_if $e16 (i32.le_s (i32.sub (local.get $e) (i32.const 16)) (local.get $c)))
              (br_if $e16 (i32.eqz (i32x4.all_true
            (v128.and
              (v128.and
                (f32x4.le (v128.load align=4 (i32.add (local.get $row) (i32.shl (i32.sub (local.get $e) (i32.const 16)) (i32.const 2)))) (local.get $l))
                (f32x4.le (v128.load offset=16 align=4 (i32.add (local.get $row) (i32.shl (i32.sub (local.get $e) (i32.const 16)) (i32.const 2)))) (local.get $l)))
              (v128.and
                (f32x4.le (v128.load offset=32 align=4 (i32.add (local.get $row) (i32.shl (i32.sub (local.get $e) (i32.const 16)) (i32.const 2)))) (local.get $l))
                (f32x4.le (v128.load offset=48 align=4 (i32.add (local.get $row) (i32.shl (i32.sub (local.get $e) (i32.const 16)) (i32.const 2)))) (local.get $l)))))))
              (local.set $e (i32.sub (local.get $e) (i32.const 16)))
              (br $m16)))
            (block $e4 (loop $m4
              (br_if $e4 (i32.le_s (i32.sub (local.get $e) (i32.const 4)) (local.get $c)))
              (br_if $e4 (i32.eqz (i32x4.all_true (f32x4.le (v128.load align=4 (i32.add (local.get $row) (i32.shl (i32.sub (local.get $e) (i32.const 4)) (i32.const 2)))) (local.get $l)))))
              (local.set $e (i32.sub (local.get $e) (i32.const 4)))
              (br $m4)))
            (block $e1 (loop $m1
              (br_if $e1 (i32.le_s (i32.sub (local.get $e) (i32.const 1)) (local.get $c)))
              (br_if $e1 (i32.eqz (f32.le (f32.load (i32.add (local.get $row) (i32.shl (i32.sub (local.get $e) (i32.const 1)) (i32.const 2)))) (local.get $lower))))
              (local.set $e (i32.sub (local.get $e) (i32.const 1)))
              (br $m1)))
            (i32.store (local.get $out) (local.get $c))
            (i32.store offset=4 (local.get $out) (i32.sub (local.get $e) (i32.const 1)))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
    (local.get $n))

  ;; interpolate: output block [ya, yb) × [xa, xb) (one row group), every pixel interpolated — horizontal sums over
  ;; each pixel's non-zero taps into $scratch (one row per tap row), then the vertical sums skipping zero weights,
  ;; in tap order, two pixels at a time (f64x2: each lane the same float64 operations) — and compared with $lo,
  ;; $hi, $t; adds to the int32 accumulators at $out (countLow, countHigh, area, x0, y0, x1, y1).
  (func $interpolate
    (param $data i32) (param $stride i32) (param $rA i32) (param $cA i32)
    (param $ya i32) (param $yb i32) (param $xa i32) (param $xb i32)
    (param $xs i32) (param $xw i32) (param $xnz i32) (param $kx i32)
    (param $ys i32) (param $yw i32) (param $ynz i32) (param $ky i32)
    (param $lo f64) (param $hi f64) (param $t f64) (param $scratch i32) (param $out i32) (param $mask i32) (param $W i32)
    (local $mrow i32)
    (local $cLow i32) (local $cHigh i32) (local $area i32)
    (local $x0 i32) (local $y0 i32) (local $x1 i32) (local $y1 i32)
    (local $bw i32) (local $sy i32) (local $i i32) (local $iFirst i32) (local $iLast i32) (local $i0 i32) (local $i1 i32)
    (local $px i32) (local $py i32) (local $j i32) (local $j1 i32) (local $p i32) (local $wi i32) (local $rowp i32)
    (local $hrow i32) (local $c i32) (local $h f64) (local $wy f64) (local $m i32) (local $lane i32)
    (local $v2 v128) (local $lo2 v128) (local $hi2 v128) (local $t2 v128)
    (local $rx0 i32) (local $rx1 i32) (local $n i32) (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $s0 i32) (local $s1 i32) (local $s2 i32)
    (local $strideB i32) (local $bwB i32) (local $nRows i32) (local $q i32) (local $r i32) (local $three i32)
    (local $xw0 f64) (local $xw1 f64) (local $xw2 f64)
    (local.set $lo2 (f64x2.splat (local.get $lo)))
    (local.set $hi2 (f64x2.splat (local.get $hi)))
    (local.set $t2 (f64x2.splat (local.get $t)))
    (local.set $cLow (i32.load (local.get $out)))
    (local.set $cHigh (i32.load offset=4 (local.get $out)))
    (local.set $area (i32.load offset=8 (local.get $out)))
    (local.set $x0 (i32.load offset=12 (local.get $out)))
    (local.set $y0 (i32.load offset=16 (local.get $out)))
    (local.set $x1 (i32.load offset=20 (local.get $out)))
    (local.set $y1 (i32.load offset=24 (local.get $out)))
    (local.set $sy (i32.load (i32.add (local.get $ys) (i32.shl (local.get $ya) (i32.const 2)))))
    (local.set $bw (i32.sub (local.get $xb) (local.get $xa)))
    ;; tap rows with weight for some output row of the block
    (local.set $iFirst (local.get $ky))
    (local.set $iLast (i32.const -1))
    (local.set $py (local.get $ya))
    (loop $rowsNz
      (local.set $p (i32.add (local.get $ynz) (i32.shl (local.get $py) (i32.const 3))))
      (if (i32.lt_s (i32.load (local.get $p)) (local.get $iFirst)) (then (local.set $iFirst (i32.load (local.get $p)))))
      (if (i32.gt_s (i32.load offset=4 (local.get $p)) (local.get $iLast)) (then (local.set $iLast (i32.load offset=4 (local.get $p)))))
      (local.set $py (i32.add (local.get $py) (i32.const 1)))
      (br_if $rowsNz (i32.lt_s (local.get $py) (local.get $yb))))
    ;; horizontal sums: scratch[i·bw + px − xa] = Σ_n xw[px·kx + n] · cell(sy + i, first + n), n < count, for the
    ;; tap rows i in [iFirst, iLast]. Column by column: a pixel's taps (first cell, count, weights) are read once for
    ;; every tap row. Two or three taps (all but the edges) without branches: the third product is computed either
    ;; way and kept by `select` (its cell and weight may be a neighbour's; the value is then dropped). The sums
    ;; start from the first product instead of 0 + it, which changes at most the sign of a zero (no comparison sees it).
    (local.set $rowp (i32.add (local.get $data) (i32.shl
      (i32.sub (i32.mul (i32.sub (i32.add (local.get $sy) (local.get $iFirst)) (local.get $rA)) (local.get $stride)) (local.get $cA))
      (i32.const 2))))
    (local.set $hrow (i32.add (local.get $scratch) (i32.shl (i32.mul (local.get $iFirst) (local.get $bw)) (i32.const 3))))
    (local.set $strideB (i32.shl (local.get $stride) (i32.const 2)))
    (local.set $bwB (i32.shl (local.get $bw) (i32.const 3)))
    (local.set $nRows (i32.add (i32.sub (local.get $iLast) (local.get $iFirst)) (i32.const 1)))
    (local.set $px (local.get $xa))
    (loop $hCol
      (local.set $p (i32.add (local.get $rowp) (i32.shl (i32.load (i32.add (local.get $xnz) (i32.shl (local.get $px) (i32.const 3)))) (i32.const 2))))
      (local.set $j1 (i32.load offset=4 (i32.add (local.get $xnz) (i32.shl (local.get $px) (i32.const 3)))))
      (local.set $wi (i32.add (local.get $xw) (i32.shl (i32.mul (local.get $px) (local.get $kx)) (i32.const 3))))
      (local.set $q (i32.add (local.get $hrow) (i32.shl (i32.sub (local.get $px) (local.get $xa)) (i32.const 3))))
      (local.set $r (local.get $nRows))
      (if (i32.eq (i32.and (local.get $j1) (i32.const -2)) (i32.const 2))
        (then
          (local.set $xw0 (f64.load (local.get $wi)))
          (local.set $xw1 (f64.load offset=8 (local.get $wi)))
          (local.set $xw2 (f64.load offset=16 (local.get $wi)))
          (local.set $three (i32.eq (local.get $j1) (i32.const 3)))
          (loop $hTapRow
            (local.set $h (f64.add
              (f64.mul (local.get $xw0) (f64.promote_f32 (f32.load (local.get $p))))
              (f64.mul (local.get $xw1) (f64.promote_f32 (f32.load offset=4 (local.get $p))))))
            (f64.store (local.get $q) (select
              (f64.add (local.get $h) (f64.mul (local.get $xw2) (f64.promote_f32 (f32.load offset=8 (local.get $p)))))
              (local.get $h)
              (local.get $three)))
            (local.set $p (i32.add (local.get $p) (local.get $strideB)))
            (local.set $q (i32.add (local.get $q) (local.get $bwB)))
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (br_if $hTapRow (local.get $r))))
        (else
          (loop $hTapRowAny
            (local.set $h (f64.const 0))
            (local.set $j (i32.const 0))
            (block $tapsDone (loop $tap
              (br_if $tapsDone (i32.ge_s (local.get $j) (local.get $j1)))
              (local.set $h (f64.add (local.get $h)
                (f64.mul (f64.load (i32.add (local.get $wi) (i32.shl (local.get $j) (i32.const 3))))
                         (f64.promote_f32 (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $tap)))
            (f64.store (local.get $q) (local.get $h))
            (local.set $p (i32.add (local.get $p) (local.get $strideB)))
            (local.set $q (i32.add (local.get $q) (local.get $bwB)))
            (local.set $r (i32.sub (local.get $r) (i32.const 1)))
            (br_if $hTapRowAny (local.get $r)))))
      (local.set $px (i32.add (local.get $px) (i32.const 1)))
      (br_if $hCol (i32.lt_s (local.get $px) (local.get $xb))))
    ;; vertical sums and the comparisons, two pixels at a time (a lane past the block is masked off)
    (local.set $py (local.get $ya))
    (loop $vRow
      (local.set $i0 (i32.load (i32.add (local.get $ynz) (i32.shl (local.get $py) (i32.const 3)))))
      (local.set $i1 (i32.load offset=4 (i32.add (local.get $ynz) (i32.shl (local.get $py) (i32.const 3)))))
      ;; this row's non-zero weights (at most three hoisted out of the pixel loop; more take the general loop)
      (local.set $n (i32.const 0))
      (local.set $i (local.get $i0))
      (block $wDone (loop $wTap
        (br_if $wDone (i32.gt_s (local.get $i) (local.get $i1)))
        (local.set $wy (f64.load (i32.add (local.get $yw) (i32.shl (i32.add (i32.mul (local.get $py) (local.get $ky)) (local.get $i)) (i32.const 3)))))
        (if (f64.ne (local.get $wy) (f64.const 0))
          (then
            (local.set $p (i32.add (local.get $scratch) (i32.shl (i32.mul (local.get $i) (local.get $bw)) (i32.const 3))))
            (if (i32.eqz (local.get $n)) (then (local.set $w0 (f64x2.splat (local.get $wy))) (local.set $s0 (local.get $p))))
            (if (i32.eq (local.get $n) (i32.const 1)) (then (local.set $w1 (f64x2.splat (local.get $wy))) (local.set $s1 (local.get $p))))
            (if (i32.eq (local.get $n) (i32.const 2)) (then (local.set $w2 (f64x2.splat (local.get $wy))) (local.set $s2 (local.get $p))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $wTap)))
      (local.set $mrow (i32.add (local.get $mask) (i32.add (i32.mul (local.get $py) (local.get $W)) (local.get $xa))))
      (local.set $rx0 (i32.const 0x7fffffff))
      (local.set $rx1 (i32.const -1))
      (local.set $c (i32.const 0))
      (loop $vCol
        (local.set $v2 (f64x2.splat (f64.const 0)))
        (if (i32.le_s (local.get $n) (i32.const 3))
          (then
            (if (local.get $n)
              (then (local.set $v2 (f64x2.add (local.get $v2)
                (f64x2.mul (local.get $w0) (v128.load align=8 (i32.add (local.get $s0) (i32.shl (local.get $c) (i32.const 3)))))))))
            (if (i32.gt_s (local.get $n) (i32.const 1))
              (then (local.set $v2 (f64x2.add (local.get $v2)
                (f64x2.mul (local.get $w1) (v128.load align=8 (i32.add (local.get $s1) (i32.shl (local.get $c) (i32.const 3)))))))))
            (if (i32.gt_s (local.get $n) (i32.const 2))
              (then (local.set $v2 (f64x2.add (local.get $v2)
                (f64x2.mul (local.get $w2) (v128.load align=8 (i32.add (local.get $s2) (i32.shl (local.get $c) (i32.const 3))))))))))
          (else
            (local.set $i (local.get $i0))
            (block $vDone (loop $vTap
              (br_if $vDone (i32.gt_s (local.get $i) (local.get $i1)))
              (local.set $wy (f64.load (i32.add (local.get $yw) (i32.shl (i32.add (i32.mul (local.get $py) (local.get $ky)) (local.get $i)) (i32.const 3)))))
              (if (f64.ne (local.get $wy) (f64.const 0))
                (then
                  (local.set $v2 (f64x2.add (local.get $v2)
                    (f64x2.mul (f64x2.splat (local.get $wy))
                      (v128.load align=8 (i32.add (local.get $scratch) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $bw)) (local.get $c)) (i32.const 3)))))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $vTap)))))
        ;; lanes inside the block: 3, or 1 for the last pixel of an odd-width block
        (local.set $lane (select (i32.const 1) (i32.const 3) (i32.eq (i32.add (local.get $c) (i32.const 1)) (local.get $bw))))
        ;; counts without branches (boundary pixels fall either way at random); the row's area extent in $rx0 / $rx1
        (local.set $cLow (i32.add (local.get $cLow)
          (i32.popcnt (i32.and (i64x2.bitmask (f64x2.gt (local.get $v2) (local.get $lo2))) (local.get $lane)))))
        (local.set $cHigh (i32.add (local.get $cHigh)
          (i32.popcnt (i32.and (i64x2.bitmask (f64x2.gt (local.get $v2) (local.get $hi2))) (local.get $lane)))))
        (local.set $m (i32.and (i64x2.bitmask (f64x2.gt (local.get $v2) (local.get $t2))) (local.get $lane)))
        (local.set $area (i32.add (local.get $area) (i32.popcnt (local.get $m))))
        ;; mask mode: a 1 byte per pixel > t
        (if (local.get $mask)
          (then
            (if (i32.and (local.get $m) (i32.const 1)) (then (i32.store8 (i32.add (local.get $mrow) (local.get $c)) (i32.const 1))))
            (if (i32.and (local.get $m) (i32.const 2)) (then (i32.store8 offset=1 (i32.add (local.get $mrow) (local.get $c)) (i32.const 1))))))
        ;; first pixel > t: c + ctz, 2³¹ − 1 when none; last: c + 31 − clz, −1 when none
        (local.set $px (select (i32.add (local.get $c) (i32.ctz (local.get $m))) (i32.const 0x7fffffff) (local.get $m)))
        (local.set $rx0 (select (local.get $px) (local.get $rx0) (i32.lt_s (local.get $px) (local.get $rx0))))
        (local.set $px (select (i32.sub (i32.add (local.get $c) (i32.const 31)) (i32.clz (local.get $m))) (i32.const -1) (local.get $m)))
        (local.set $rx1 (select (local.get $px) (local.get $rx1) (i32.gt_s (local.get $px) (local.get $rx1))))
        (local.set $c (i32.add (local.get $c) (i32.const 2)))
        (br_if $vCol (i32.lt_s (local.get $c) (local.get $bw))))
      (if (i32.ge_s (local.get $rx1) (i32.const 0))
        (then
          (if (i32.lt_s (i32.add (local.get $xa) (local.get $rx0)) (local.get $x0)) (then (local.set $x0 (i32.add (local.get $xa) (local.get $rx0)))))
          (if (i32.gt_s (i32.add (local.get $xa) (local.get $rx1)) (local.get $x1)) (then (local.set $x1 (i32.add (local.get $xa) (local.get $rx1)))))
          (if (i32.lt_s (local.get $py) (local.get $y0)) (then (local.set $y0 (local.get $py))))
          (if (i32.gt_s (local.get $py) (local.get $y1)) (then (local.set $y1 (local.get $py))))))
      (local.set $py (i32.add (local.get $py) (i32.const 1)))
      (br_if $vRow (i32.lt_s (local.get $py) (local.get $yb))))
    (i32.store (local.get $out) (local.get $cLow))
    (i32.store offset=4 (local.get $out) (local.get $cHigh))
    (i32.store offset=8 (local.get $out) (local.get $area))
    (i32.store offset=12 (local.get $out) (local.get $x0))
    (i32.store offset=16 (local.get $out) (local.get $y0))
    (i32.store offset=20 (local.get $out) (local.get $x1))
    (i32.store offset=24 (local.get $out) (local.get $y1)))

  ;; classifyLeaves: interpolates the $n tap windows at $leaves (int32 ya, yb, xa, xb: output rows [ya, yb) × columns
  ;; [xa, xb) sharing one tap window, in row-group order; adjacent windows of one row group as one block) and adds
  ;; their counts, area and box to the int32 accumulators at $out (countLow, countHigh, area, x0, y0, x1, y1). Cell
  ;; (r, c) is the float32 at $data + 4·((r − $rA)·$stride + c − $cA). Axis tables: $xs / $ys int32 tap-window starts
  ;; per output column / row; $xw float64 weights of each column's non-zero taps ($kx per column, from the first
  ;; non-zero one), $xnz int32 (first cell, count) of those taps; $yw float64 weights ($ky per row), $ynz int32
  ;; (first, last) non-zero tap per row.
  ;; Every window is interpolated: SamRunUpscaler.stats first tests a window's taps' min and max, but the walk lists
  ;; only windows that meet an L-run and are not inside the U-runs, and nearly all of those straddle a bound (at
  ;; 640×480 the test decided none of the bench scene's windows). A window the test decides
  ;; holds pixels whose values lie in [min, max] (convex weights): interpolated, each lands on the same side of every
  ;; bound, so the counts are the same.
  (func (export "classifyLeaves")
    (param $data i32) (param $stride i32) (param $rA i32) (param $cA i32)
    (param $leaves i32) (param $n i32)
    (param $xs i32) (param $xw i32) (param $xnz i32) (param $kx i32)
    (param $ys i32) (param $yw i32) (param $ynz i32) (param $ky i32)
    (param $lo f64) (param $hi f64) (param $t f64)
    (param $scratch i32) (param $out i32)
    (local $k i32) (local $p i32) (local $ya i32) (local $yb i32) (local $xa i32) (local $xb i32)
    (block $lDone (loop $lLoop
      (br_if $lDone (i32.ge_s (local.get $k) (local.get $n)))
      (local.set $p (i32.add (local.get $leaves) (i32.shl (local.get $k) (i32.const 4))))
      (local.set $ya (i32.load (local.get $p)))
      (local.set $yb (i32.load offset=4 (local.get $p)))
      (local.set $xa (i32.load offset=8 (local.get $p)))
      (local.set $xb (i32.load offset=12 (local.get $p)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (block $mDone (loop $merge
        (br_if $mDone (i32.ge_s (local.get $k) (local.get $n)))
        (local.set $p (i32.add (local.get $leaves) (i32.shl (local.get $k) (i32.const 4))))
        (br_if $mDone (i32.ne (i32.load (local.get $p)) (local.get $ya)))
        (br_if $mDone (i32.ne (i32.load offset=8 (local.get $p)) (local.get $xb)))
        (local.set $xb (i32.load offset=12 (local.get $p)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $merge)))
      (call $interpolate (local.get $data) (local.get $stride) (local.get $rA) (local.get $cA)
        (local.get $ya) (local.get $yb) (local.get $xa) (local.get $xb)
        (local.get $xs) (local.get $xw) (local.get $xnz) (local.get $kx)
        (local.get $ys) (local.get $yw) (local.get $ynz) (local.get $ky)
        (local.get $lo) (local.get $hi) (local.get $t) (local.get $scratch) (local.get $out) (i32.const 0) (i32.const 0))
      (br $lLoop))))

  ;; scanRuns: rowExtents, then per row the runs SamRunUpscaler.scan records: maximal runs of cells > $lower
  ;; ("L-runs") and, inside them, of cells > $upper ("U-runs"), as inclusive int32 pairs of absolute columns
  ;; (offset + $cA) at $lRuns / $uRuns, row k's runs from index $lOff[k] / $uOff[k] to $lOff[k + 1] / $uOff[k + 1]
  ;; (k = 0 … $rows). $info gets the first and last row offset with an L-run (−1 when none), the least first and
  ;; the greatest last column of those runs. Returns 0, or 1 when a cell of some row's extent is NaN or +Infinity
  ;; (the caller's JavaScript scan then finds and reports it). $lower / $upper: the float32 bounds, cells compare
  ;; as in float64 against the caller's bounds (see f32BelowOrEqual).
  (func (export "scanRuns")
    (param $ptr i32) (param $rows i32) (param $cols i32) (param $stride i32) (param $lower f32) (param $upper f32)
    (param $cA i32) (param $ext i32) (param $lRuns i32) (param $uRuns i32) (param $lOff i32) (param $uOff i32) (param $info i32)
    (result i32)
    (local $k i32) (local $row i32) (local $c i32) (local $last i32) (local $a i32) (local $ua i32)
    (local $v f32) (local $nl i32) (local $nu i32) (local $rowStart i32)
    (local $firstRow i32) (local $lastRow i32) (local $minCol i32) (local $maxCol i32)
    (local $v4 v128) (local $lower4 v128) (local $upper4 v128) (local $inf4 v128)
    (local.set $lower4 (f32x4.splat (local.get $lower)))
    (local.set $upper4 (f32x4.splat (local.get $upper)))
    (local.set $inf4 (f32x4.splat (f32.const inf)))
    (drop (call $rowExtents (local.get $ptr) (local.get $rows) (local.get $cols) (local.get $stride) (local.get $lower) (local.get $ext)))
    (local.set $firstRow (i32.const -1))
    (local.set $lastRow (i32.const -1))
    (local.set $minCol (i32.const 0x7fffffff))
    (local.set $maxCol (i32.const -1))
    (block $done
      (loop $rowsLoop
        (i32.store (i32.add (local.get $lOff) (i32.shl (local.get $k) (i32.const 2))) (local.get $nl))
        (i32.store (i32.add (local.get $uOff) (i32.shl (local.get $k) (i32.const 2))) (local.get $nu))
        (br_if $done (i32.ge_s (local.get $k) (local.get $rows)))
        (local.set $c (i32.load (i32.add (local.get $ext) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $last (i32.load offset=4 (i32.add (local.get $ext) (i32.shl (local.get $k) (i32.const 3)))))
        (local.set $row (i32.add (local.get $ptr) (i32.shl (i32.mul (local.get $k) (local.get $stride)) (i32.const 2))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br_if $rowsLoop (i32.lt_s (local.get $c) (i32.const 0)))
        ;; no NaN or +Infinity in the extent: four cells at a time, then one
        (local.set $a (local.get $c))
        (block $c4Done (loop $c4
          (br_if $c4Done (i32.gt_s (i32.add (local.get $a) (i32.const 3)) (local.get $last)))
          (local.set $v4 (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $a) (i32.const 2)))))
          (if (v128.any_true (v128.or (f32x4.ne (local.get $v4) (local.get $v4)) (f32x4.eq (local.get $v4) (local.get $inf4))))
            (then (return (i32.const 1))))
          (local.set $a (i32.add (local.get $a) (i32.const 4)))
          (br $c4)))
        (block $checkDone (loop $check
          (br_if $checkDone (i32.gt_s (local.get $a) (local.get $last)))
          (local.set $v (f32.load (i32.add (local.get $row) (i32.shl (local.get $a) (i32.const 2)))))
          (if (i32.or (f32.ne (local.get $v) (local.get $v)) (f32.eq (local.get $v) (f32.const inf))) (then (return (i32.const 1))))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (br $check)))
        (local.set $rowStart (local.get $nl))
        ;; the runs; each stretch of background, of cells > $upper and of cells in ($lower, $upper] is skipped four
        ;; cells at a time while all four are of its kind, then cell by cell (the same runs as one cell at a time)
        (block $rowDone
          (loop $runs
            ;; background
            (block $bg4Done (loop $bg4
              (br_if $bg4Done (i32.gt_s (i32.add (local.get $c) (i32.const 3)) (local.get $last)))
              (br_if $bg4Done (i32.eqz (i32x4.all_true
                (f32x4.le (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $lower4)))))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br $bg4)))
            (block $bgDone (loop $bg
              (br_if $bgDone (i32.gt_s (local.get $c) (local.get $last)))
              (br_if $bgDone (f32.gt (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $lower)))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              (br $bg)))
            (br_if $rowDone (i32.gt_s (local.get $c) (local.get $last)))
            (local.set $a (local.get $c))
            (block $lDone (loop $lRun
              (br_if $lDone (i32.gt_s (local.get $c) (local.get $last)))
              (local.set $v (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
              (if (f32.gt (local.get $v) (local.get $upper))
                (then
                  (local.set $ua (local.get $c))
                  (local.set $c (i32.add (local.get $c) (i32.const 1)))
                  (block $u4Done (loop $u4
                    (br_if $u4Done (i32.gt_s (i32.add (local.get $c) (i32.const 3)) (local.get $last)))
                    (br_if $u4Done (i32.eqz (i32x4.all_true
                      (f32x4.gt (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $upper4)))))
                    (local.set $c (i32.add (local.get $c) (i32.const 4)))
                    (br $u4)))
                  (block $uDone (loop $uRun
                    (br_if $uDone (i32.gt_s (local.get $c) (local.get $last)))
                    (br_if $uDone (i32.eqz (f32.gt (f32.load (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))) (local.get $upper))))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $uRun)))
                  (i32.store (i32.add (local.get $uRuns) (i32.shl (local.get $nu) (i32.const 2))) (i32.add (local.get $ua) (local.get $cA)))
                  (i32.store offset=4 (i32.add (local.get $uRuns) (i32.shl (local.get $nu) (i32.const 2))) (i32.add (i32.sub (local.get $c) (i32.const 1)) (local.get $cA)))
                  (local.set $nu (i32.add (local.get $nu) (i32.const 2)))
                  (br $lRun)))
              (br_if $lDone (i32.eqz (f32.gt (local.get $v) (local.get $lower))))
              (local.set $c (i32.add (local.get $c) (i32.const 1)))
              ;; cells in ($lower, $upper], four at a time
              (block $m4Done (loop $m4
                (br_if $m4Done (i32.gt_s (i32.add (local.get $c) (i32.const 3)) (local.get $last)))
                (local.set $v4 (v128.load align=4 (i32.add (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
                (br_if $m4Done (i32.eqz (i32x4.all_true
                  (v128.and (f32x4.gt (local.get $v4) (local.get $lower4)) (f32x4.le (local.get $v4) (local.get $upper4))))))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $m4)))
              (br $lRun)))
            (i32.store (i32.add (local.get $lRuns) (i32.shl (local.get $nl) (i32.const 2))) (i32.add (local.get $a) (local.get $cA)))
            (i32.store offset=4 (i32.add (local.get $lRuns) (i32.shl (local.get $nl) (i32.const 2))) (i32.add (i32.sub (local.get $c) (i32.const 1)) (local.get $cA)))
            (local.set $nl (i32.add (local.get $nl) (i32.const 2)))
            (br $runs)))
        (if (i32.gt_s (local.get $nl) (local.get $rowStart))
          (then
            (if (i32.lt_s (local.get $firstRow) (i32.const 0)) (then (local.set $firstRow (i32.sub (local.get $k) (i32.const 1)))))
            (local.set $lastRow (i32.sub (local.get $k) (i32.const 1)))
            (local.set $a (i32.load (i32.add (local.get $lRuns) (i32.shl (local.get $rowStart) (i32.const 2)))))
            (if (i32.lt_s (local.get $a) (local.get $minCol)) (then (local.set $minCol (local.get $a))))
            (local.set $a (i32.load (i32.add (local.get $lRuns) (i32.shl (i32.sub (local.get $nl) (i32.const 1)) (i32.const 2)))))
            (if (i32.gt_s (local.get $a) (local.get $maxCol)) (then (local.set $maxCol (local.get $a))))))
        (br $rowsLoop)))
    (i32.store (local.get $info) (local.get $firstRow))
    (i32.store offset=4 (local.get $info) (local.get $lastRow))
    (i32.store offset=8 (local.get $info) (local.get $minCol))
    (i32.store offset=12 (local.get $info) (local.get $maxCol))
    (i32.const 0))

  ;; rowGroup: SamRunUpscaler.rowGroup for the tap rows [$sy, $sy + $ky) — the union of the rows' L-runs (sorted
  ;; merge, ping-ponging between $a and $b), the column groups whose windows meet it as merged [g0, g1) pairs at
  ;; $ranges, and the intersection of the rows' U-runs (every row of the window, a row ≥ $s has none) as inclusive
  ;; pairs at $cc ($a reused as scratch). Returns the byte lengths: ranges | intersection << 16 (0 when no range).
  (func $rowGroup
    (param $sy i32) (param $ky i32) (param $kx i32) (param $s i32)
    (param $lRuns i32) (param $uRuns i32) (param $lOff i32) (param $uOff i32) (param $fg i32)
    (param $a i32) (param $b i32) (param $cc i32) (param $ranges i32)
    (result i32)
    (local $rEnd i32) (local $r i32) (local $from i32) (local $to i32) (local $na i32) (local $nb i32)
    (local $i i32) (local $j i32) (local $lo i32) (local $hi i32) (local $t i32) (local $nr i32)
    (local $g0 i32) (local $g1 i32) (local $nc i32) (local $first i32) (local $tmp i32) (local $q i32)
    (local.set $tmp (local.get $a))
    (local.set $rEnd (i32.add (local.get $sy) (local.get $ky)))
    (local.set $rEnd (select (local.get $s) (local.get $rEnd) (i32.lt_s (local.get $s) (local.get $rEnd))))
    ;; union of the L-runs
    (local.set $r (local.get $sy))
    (block $uDone (loop $uLoop
      (br_if $uDone (i32.ge_s (local.get $r) (local.get $rEnd)))
      (local.set $from (i32.shl (i32.load (i32.add (local.get $lOff) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $to (i32.shl (i32.load offset=4 (i32.add (local.get $lOff) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br_if $uLoop (i32.eq (local.get $from) (local.get $to)))
      (if (i32.eqz (local.get $na))
        (then
          (memory.copy (local.get $a) (i32.add (local.get $lRuns) (local.get $from)) (i32.sub (local.get $to) (local.get $from)))
          (local.set $na (i32.sub (local.get $to) (local.get $from)))
          (br $uLoop)))
      (local.set $i (i32.const 0))
      (local.set $j (local.get $from))
      (local.set $nb (i32.const 0))
      (block $mDone (loop $m
        (br_if $mDone (i32.and (i32.ge_s (local.get $i) (local.get $na)) (i32.ge_s (local.get $j) (local.get $to))))
        ;; the next run by start: from $a when the row's list is done or $a's starts no later (reads past either
        ;; list stay inside the memory and are not used)
        (if (i32.or (i32.ge_s (local.get $j) (local.get $to))
              (i32.and (i32.lt_s (local.get $i) (local.get $na))
                (i32.le_s (i32.load (i32.add (local.get $a) (local.get $i))) (i32.load (i32.add (local.get $lRuns) (local.get $j))))))
          (then
            (local.set $lo (i32.load (i32.add (local.get $a) (local.get $i))))
            (local.set $hi (i32.load offset=4 (i32.add (local.get $a) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 8))))
          (else
            (local.set $lo (i32.load (i32.add (local.get $lRuns) (local.get $j))))
            (local.set $hi (i32.load offset=4 (i32.add (local.get $lRuns) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))))
        (local.set $q (i32.sub (i32.add (local.get $b) (local.get $nb)) (i32.const 4)))
        (if (i32.and (i32.gt_s (local.get $nb) (i32.const 0))
              (i32.le_s (local.get $lo) (i32.add (i32.load (local.get $q)) (i32.const 1))))
          (then
            (if (i32.gt_s (local.get $hi) (i32.load (local.get $q))) (then (i32.store (local.get $q) (local.get $hi)))))
          (else
            (i32.store offset=4 (local.get $q) (local.get $lo))
            (i32.store offset=8 (local.get $q) (local.get $hi))
            (local.set $nb (i32.add (local.get $nb) (i32.const 8)))))
        (br $m)))
      (local.set $t (local.get $a))
      (local.set $a (local.get $b))
      (local.set $b (local.get $t))
      (local.set $na (local.get $nb))
      (br $uLoop)))
    (if (i32.eqz (local.get $na)) (then (return (i32.const 0))))
    ;; column groups whose window [cell, cell + kx − 1] meets a union run, merged where runs share a group
    (local.set $i (i32.const 0))
    (block $rDone (loop $rl
      (br_if $rDone (i32.ge_s (local.get $i) (local.get $na)))
      (local.set $lo (i32.sub (i32.add (i32.load (i32.add (local.get $a) (local.get $i))) (i32.const 1)) (local.get $kx)))
      (local.set $lo (select (local.get $lo) (i32.const 0) (i32.gt_s (local.get $lo) (i32.const 0))))
      (local.set $g0 (i32.load (i32.add (local.get $fg) (i32.shl (local.get $lo) (i32.const 2)))))
      (local.set $g1 (i32.load offset=4 (i32.add (local.get $fg) (i32.shl (i32.load offset=4 (i32.add (local.get $a) (local.get $i))) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 8)))
      (br_if $rl (i32.ge_s (local.get $g0) (local.get $g1)))
      (local.set $q (i32.sub (i32.add (local.get $ranges) (local.get $nr)) (i32.const 4)))
      (if (i32.and (i32.gt_s (local.get $nr) (i32.const 0)) (i32.le_s (local.get $g0) (i32.load (local.get $q))))
        (then
          (if (i32.gt_s (local.get $g1) (i32.load (local.get $q))) (then (i32.store (local.get $q) (local.get $g1)))))
        (else
          (i32.store offset=4 (local.get $q) (local.get $g0))
          (i32.store offset=8 (local.get $q) (local.get $g1))
          (local.set $nr (i32.add (local.get $nr) (i32.const 8)))))
      (br $rl)))
    (if (i32.eqz (local.get $nr)) (then (return (i32.const 0))))
    ;; intersection of the U-runs over every row of the window
    (local.set $first (i32.const 1))
    (local.set $r (local.get $sy))
    (local.set $rEnd (i32.add (local.get $sy) (local.get $ky)))
    (block $iDone (loop $il
      (br_if $iDone (i32.ge_s (local.get $r) (local.get $rEnd)))
      (if (i32.ge_s (local.get $r) (local.get $s)) (then (return (local.get $nr))))
      (local.set $from (i32.shl (i32.load (i32.add (local.get $uOff) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $to (i32.shl (i32.load offset=4 (i32.add (local.get $uOff) (i32.shl (local.get $r) (i32.const 2)))) (i32.const 2)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (if (i32.eq (local.get $from) (local.get $to)) (then (return (local.get $nr))))
      (if (local.get $first)
        (then
          (memory.copy (local.get $cc) (i32.add (local.get $uRuns) (local.get $from)) (i32.sub (local.get $to) (local.get $from)))
          (local.set $nc (i32.sub (local.get $to) (local.get $from)))
          (local.set $first (i32.const 0))
          (br $il)))
      (local.set $i (i32.const 0))
      (local.set $j (local.get $from))
      (local.set $nb (i32.const 0))
      (block $xDone (loop $x
        (br_if $xDone (i32.ge_s (local.get $i) (local.get $nc)))
        (br_if $xDone (i32.ge_s (local.get $j) (local.get $to)))
        (local.set $lo (i32.load (i32.add (local.get $cc) (local.get $i))))
        (local.set $t (i32.load (i32.add (local.get $uRuns) (local.get $j))))
        (local.set $lo (select (local.get $lo) (local.get $t) (i32.gt_s (local.get $lo) (local.get $t))))
        (local.set $hi (i32.load offset=4 (i32.add (local.get $cc) (local.get $i))))
        (local.set $t (i32.load offset=4 (i32.add (local.get $uRuns) (local.get $j))))
        ;; hi = min of the two ends; the run that ends first advances
        (if (i32.lt_s (local.get $hi) (local.get $t))
          (then (local.set $i (i32.add (local.get $i) (i32.const 8))))
          (else
            (local.set $hi (local.get $t))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))))
        (if (i32.le_s (local.get $lo) (local.get $hi))
          (then
            (i32.store (i32.add (local.get $tmp) (local.get $nb)) (local.get $lo))
            (i32.store offset=4 (i32.add (local.get $tmp) (local.get $nb)) (local.get $hi))
            (local.set $nb (i32.add (local.get $nb) (i32.const 8)))))
        (br $x)))
      (memory.copy (local.get $cc) (local.get $tmp) (local.get $nb))
      (local.set $nc (local.get $nb))
      (br_if $il (local.get $nc))
      (return (local.get $nr))))
    (i32.or (local.get $nr) (i32.shl (local.get $nc) (i32.const 16))))

  ;; walk: SamRunUpscaler.visit's row-group walk over the runs recorded at $lRuns / $uRuns ($lOff / $uOff by
  ;; absolute row) for the row groups whose tap rows meet [$rFirst, $rLast]: output rectangles whose taps all lie in
  ;; the rows' U-run intersection as int32 (ya, yb, xa, xb) at $interiors, every other column group that meets an
  ;; L-run as one tap window (ya, yb, xa, xb) at $leaves; their counts at $out, $out + 4. Axis tables (int32):
  ;; $ycell / $xcell tap-window start cell per row / column group, $gy / $gx first output row / column per group
  ;; (one more entry each), $fg first column group whose window starts at a cell ≥ c (c = 0 … $s + 1).
  (func (export "walk")
    (param $rFirst i32) (param $rLast i32)
    (param $ycell i32) (param $gy i32) (param $nyg i32) (param $ky i32)
    (param $xcell i32) (param $gx i32) (param $kx i32) (param $fg i32) (param $s i32)
    (param $lRuns i32) (param $uRuns i32) (param $lOff i32) (param $uOff i32)
    (param $bufA i32) (param $bufB i32) (param $bufC i32) (param $ranges i32)
    (param $interiors i32) (param $leaves i32) (param $out i32)
    (local $yg i32) (local $sy i32) (local $packed i32) (local $nr i32) (local $nc i32) (local $ya i32) (local $yb i32)
    (local $ii i32) (local $ri i32) (local $g i32) (local $g1 i32) (local $stop i32) (local $i0 i32) (local $i1 i32)
    (local $qs i32) (local $end i32) (local $ni i32) (local $nl i32) (local $p i32)
    (block $done (loop $groups
      (br_if $done (i32.ge_s (local.get $yg) (local.get $nyg)))
      (local.set $sy (i32.load (i32.add (local.get $ycell) (i32.shl (local.get $yg) (i32.const 2)))))
      (local.set $p (i32.add (local.get $gy) (i32.shl (local.get $yg) (i32.const 2))))
      (local.set $yg (i32.add (local.get $yg) (i32.const 1)))
      (br_if $groups (i32.lt_s (i32.sub (i32.add (local.get $sy) (local.get $ky)) (i32.const 1)) (local.get $rFirst)))
      (br_if $done (i32.gt_s (local.get $sy) (local.get $rLast)))
      (local.set $packed (call $rowGroup (local.get $sy) (local.get $ky) (local.get $kx) (local.get $s)
        (local.get $lRuns) (local.get $uRuns) (local.get $lOff) (local.get $uOff) (local.get $fg)
        (local.get $bufA) (local.get $bufB) (local.get $bufC) (local.get $ranges)))
      (local.set $nr (i32.and (local.get $packed) (i32.const 0xffff)))
      (local.set $nc (i32.shr_u (local.get $packed) (i32.const 16)))
      (br_if $groups (i32.eqz (local.get $nr)))
      (local.set $ya (i32.load (local.get $p)))
      (local.set $yb (i32.load offset=4 (local.get $p)))
      (local.set $ii (i32.const 0))
      (local.set $ri (i32.const 0))
      (loop $rangesLoop
        (local.set $g (i32.load (i32.add (local.get $ranges) (local.get $ri))))
        (local.set $g1 (i32.load offset=4 (i32.add (local.get $ranges) (local.get $ri))))
        (block $gDone (loop $gl
          (br_if $gDone (i32.ge_s (local.get $g) (local.get $g1)))
          ;; interior column groups: window [cell, cell + kx − 1] inside an intersection run [p, q]
          (block $sDone (loop $sl
            (br_if $sDone (i32.ge_s (local.get $ii) (local.get $nc)))
            (br_if $sDone (i32.ge_s
              (i32.add (i32.sub (i32.load offset=4 (i32.add (local.get $bufC) (local.get $ii))) (local.get $kx)) (i32.const 1))
              (i32.load (i32.add (local.get $xcell) (i32.shl (local.get $g) (i32.const 2))))))
            (local.set $ii (i32.add (local.get $ii) (i32.const 8)))
            (br $sl)))
          (local.set $stop (i32.add (local.get $g) (i32.const 1)))
          (if (i32.lt_s (local.get $ii) (local.get $nc))
            (then
              (local.set $i0 (i32.load (i32.add (local.get $fg) (i32.shl (i32.load (i32.add (local.get $bufC) (local.get $ii))) (i32.const 2)))))
              (local.set $qs (i32.add (i32.sub (i32.load offset=4 (i32.add (local.get $bufC) (local.get $ii))) (local.get $kx)) (i32.const 1)))
              (local.set $i1 (i32.const 0))
              (if (i32.ge_s (local.get $qs) (i32.const 0))
                (then (local.set $i1 (i32.load offset=4 (i32.add (local.get $fg) (i32.shl (local.get $qs) (i32.const 2)))))))
              (if (i32.lt_s (local.get $i0) (local.get $i1))
                (then
                  (if (i32.ge_s (local.get $g) (local.get $i0))
                    (then
                      (local.set $end (select (local.get $i1) (local.get $g1) (i32.lt_s (local.get $i1) (local.get $g1))))
                      (local.set $p (i32.add (local.get $interiors) (local.get $ni)))
                      (i32.store (local.get $p) (local.get $ya))
                      (i32.store offset=4 (local.get $p) (local.get $yb))
                      (i32.store offset=8 (local.get $p) (i32.load (i32.add (local.get $gx) (i32.shl (local.get $g) (i32.const 2)))))
                      (i32.store offset=12 (local.get $p) (i32.load (i32.add (local.get $gx) (i32.shl (local.get $end) (i32.const 2)))))
                      (local.set $ni (i32.add (local.get $ni) (i32.const 16)))
                      (local.set $g (local.get $end))
                      (br $gl)))
                  (if (i32.gt_s (local.get $i0) (local.get $g))
                    (then (local.set $stop (select (local.get $i0) (local.get $g1) (i32.lt_s (local.get $i0) (local.get $g1))))))))))
          ;; undecided tap windows g … stop − 1 (stop > g)
          (loop $lv
            (local.set $p (i32.add (local.get $leaves) (local.get $nl)))
            (i32.store (local.get $p) (local.get $ya))
            (i32.store offset=4 (local.get $p) (local.get $yb))
            (i32.store offset=8 (local.get $p) (i32.load (i32.add (local.get $gx) (i32.shl (local.get $g) (i32.const 2)))))
            (i32.store offset=12 (local.get $p) (i32.load offset=4 (i32.add (local.get $gx) (i32.shl (local.get $g) (i32.const 2)))))
            (local.set $nl (i32.add (local.get $nl) (i32.const 16)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br_if $lv (i32.lt_s (local.get $g) (local.get $stop))))
          (br $gl)))
        (local.set $ri (i32.add (local.get $ri) (i32.const 8)))
        (br_if $rangesLoop (i32.lt_s (local.get $ri) (local.get $nr))))
      (br $groups)))
    (i32.store (local.get $out) (i32.shr_u (local.get $ni) (i32.const 4)))
    (i32.store offset=4 (local.get $out) (i32.shr_u (local.get $nl) (i32.const 4))))
;; gather: copies $rows rows of $cols float32 cells, $stride cells apart from byte address $src, to consecutive rows
  ;; at $dst (a candidate's support window). Four cells at a time: a row's last store may write up to three cells past
  ;; it, which the next row overwrites (room for them after the last row is the caller's).
  (func (export "gather") (param $src i32) (param $stride i32) (param $rows i32) (param $cols i32) (param $dst i32)
    (local $r i32) (local $i i32) (local $n i32) (local $sb i32)
    (local.set $n (i32.shl (local.get $cols) (i32.const 2)))
    (local.set $sb (i32.shl (local.get $stride) (i32.const 2)))
    (block $done (loop $rowsLoop
      (br_if $done (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $i (i32.const 0))
      (block $rowDone (loop $cells
        (br_if $rowDone (i32.ge_s (local.get $i) (local.get $n)))
        (v128.store align=4 (i32.add (local.get $dst) (local.get $i)) (v128.load align=4 (i32.add (local.get $src) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $cells)))
      (local.set $dst (i32.add (local.get $dst) (local.get $n)))
      (local.set $src (i32.add (local.get $src) (local.get $sb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rowsLoop))))
;; maskFill: the binary mask (bytes 1 where > $t) of the window scanned last into the zeroed W-wide byte raster at
  ;; $mask: the $ni rectangles at $interiors filled, the $nl tap windows at $leaves interpolated (adjacent windows of
  ;; one row group as one block, as SamRunUpscaler.mask does). Other parameters as classifyLeaves; $out is scratch.
  (func (export "maskFill")
    (param $data i32) (param $stride i32) (param $rA i32) (param $cA i32)
    (param $interiors i32) (param $ni i32) (param $leaves i32) (param $nl i32)
    (param $xs i32) (param $xw i32) (param $xnz i32) (param $kx i32)
    (param $ys i32) (param $yw i32) (param $ynz i32) (param $ky i32)
    (param $t f64) (param $scratch i32) (param $out i32) (param $mask i32) (param $W i32)
    (local $k i32) (local $p i32) (local $ya i32) (local $yb i32) (local $xa i32) (local $xb i32) (local $py i32)
    (block $iDone (loop $iLoop
      (br_if $iDone (i32.ge_s (local.get $k) (local.get $ni)))
      (local.set $p (i32.add (local.get $interiors) (i32.shl (local.get $k) (i32.const 4))))
      (local.set $ya (i32.load (local.get $p)))
      (local.set $yb (i32.load offset=4 (local.get $p)))
      (local.set $xa (i32.load offset=8 (local.get $p)))
      (local.set $xb (i32.load offset=12 (local.get $p)))
      (local.set $py (local.get $ya))
      (block $rDone (loop $rLoop
        (br_if $rDone (i32.ge_s (local.get $py) (local.get $yb)))
        (memory.fill (i32.add (local.get $mask) (i32.add (i32.mul (local.get $py) (local.get $W)) (local.get $xa)))
          (i32.const 1) (i32.sub (local.get $xb) (local.get $xa)))
        (local.set $py (i32.add (local.get $py) (i32.const 1)))
        (br $rLoop)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $iLoop)))
    (local.set $k (i32.const 0))
    (block $lDone (loop $lLoop
      (br_if $lDone (i32.ge_s (local.get $k) (local.get $nl)))
      (local.set $p (i32.add (local.get $leaves) (i32.shl (local.get $k) (i32.const 4))))
      (local.set $ya (i32.load (local.get $p)))
      (local.set $yb (i32.load offset=4 (local.get $p)))
      (local.set $xa (i32.load offset=8 (local.get $p)))
      (local.set $xb (i32.load offset=12 (local.get $p)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (block $mDone (loop $merge
        (br_if $mDone (i32.ge_s (local.get $k) (local.get $nl)))
        (local.set $p (i32.add (local.get $leaves) (i32.shl (local.get $k) (i32.const 4))))
        (br_if $mDone (i32.ne (i32.load (local.get $p)) (local.get $ya)))
        (br_if $mDone (i32.ne (i32.load offset=8 (local.get $p)) (local.get $xb)))
        (local.set $xb (i32.load offset=12 (local.get $p)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $merge)))
      (call $interpolate (local.get $data) (local.get $stride) (local.get $rA) (local.get $cA)
        (local.get $ya) (local.get $yb) (local.get $xa) (local.get $xb)
        (local.get $xs) (local.get $xw) (local.get $xnz) (local.get $kx)
        (local.get $ys) (local.get $yw) (local.get $ynz) (local.get $ky)
        (local.get $t) (local.get $t) (local.get $t) (local.get $scratch) (local.get $out) (local.get $mask) (local.get $W))
      (br $lLoop))))
)
