;; PIL's 8-bit bilinear two-pass resize (pil-resample.ts, resizePilBilinearPlanar) with the normalisation, in
;; WebAssembly SIMD. Integer tap sums as Pillow's (22-bit fixed point, HALF added, >> 22, clip8); the normalised value
;; of a byte v of channel c is f32((f64(v)·scale − mean[c]) · inv[c]) — the float64 operations normalizeTable does,
;; then one rounding to float32 (f32.demote = Math.fround): the table's value, bit for bit.
;;
;; Memory (laid out by pil-resize-kernel.ts): the input image's interleaved RGB bytes; per axis the first input index,
;; the tap count and ksize 22-bit weights of every output sample; a ring of horizontally resized rows, each slot
;; three planar byte rows of `pad` bytes (R, G, B), with the input row each slot holds (−1: none); the output block.
(module
  (memory (export "memory") 1)

  ;; clip8 of a shifted sum
  (func $clip8 (param $v i32) (result i32)
    (select (i32.const 0)
      (select (i32.const 255) (local.get $v) (i32.gt_s (local.get $v) (i32.const 255)))
      (i32.lt_s (local.get $v) (i32.const 0))))

  ;; One row of the horizontal pass: interleaved RGB at $src → `width` samples per channel at $dst, $dst + $pad,
  ;; $dst + 2·$pad (planar bytes).
  (func $hrow (param $src i32) (param $width i32) (param $first i32) (param $count i32) (param $weights i32)
              (param $k i32) (param $dst i32) (param $pad i32)
    (local $xx i32) (local $n i32) (local $p i32) (local $kw i32) (local $t i32) (local $w i32)
    (local $s0 i32) (local $s1 i32) (local $s2 i32) (local $w1 i32)
    (block $done
      (loop $x
        (br_if $done (i32.ge_s (local.get $xx) (local.get $width)))
        (local.set $n (i32.load (i32.add (local.get $count) (i32.shl (local.get $xx) (i32.const 2)))))
        (local.set $p (i32.add (local.get $src)
          (i32.mul (i32.load (i32.add (local.get $first) (i32.shl (local.get $xx) (i32.const 2)))) (i32.const 3))))
        (local.set $kw (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $xx) (local.get $k)) (i32.const 2))))
        (local.set $s0 (i32.const 2097152))
        (local.set $s1 (i32.const 2097152))
        (local.set $s2 (i32.const 2097152))
        (local.set $t (i32.const 0))
        (if (i32.eq (local.get $n) (i32.const 2))
          (then
            (local.set $w (i32.load (local.get $kw)))
            (local.set $w1 (i32.load offset=4 (local.get $kw)))
            (local.set $s0 (i32.add (i32.add (local.get $s0) (i32.mul (i32.load8_u (local.get $p)) (local.get $w)))
              (i32.mul (i32.load8_u offset=3 (local.get $p)) (local.get $w1))))
            (local.set $s1 (i32.add (i32.add (local.get $s1) (i32.mul (i32.load8_u offset=1 (local.get $p)) (local.get $w)))
              (i32.mul (i32.load8_u offset=4 (local.get $p)) (local.get $w1))))
            (local.set $s2 (i32.add (i32.add (local.get $s2) (i32.mul (i32.load8_u offset=2 (local.get $p)) (local.get $w)))
              (i32.mul (i32.load8_u offset=5 (local.get $p)) (local.get $w1))))
            (local.set $n (i32.const 0))))
        (block $tdone
          (loop $tap
            (br_if $tdone (i32.ge_s (local.get $t) (local.get $n)))
            (local.set $w (i32.load (local.get $kw)))
            (local.set $s0 (i32.add (local.get $s0) (i32.mul (i32.load8_u (local.get $p)) (local.get $w))))
            (local.set $s1 (i32.add (local.get $s1) (i32.mul (i32.load8_u offset=1 (local.get $p)) (local.get $w))))
            (local.set $s2 (i32.add (local.get $s2) (i32.mul (i32.load8_u offset=2 (local.get $p)) (local.get $w))))
            (local.set $p (i32.add (local.get $p) (i32.const 3)))
            (local.set $kw (i32.add (local.get $kw) (i32.const 4)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tap)))
        (i32.store8 (i32.add (local.get $dst) (local.get $xx))
          (call $clip8 (i32.shr_s (local.get $s0) (i32.const 22))))
        (i32.store8 (i32.add (i32.add (local.get $dst) (local.get $pad)) (local.get $xx))
          (call $clip8 (i32.shr_s (local.get $s1) (i32.const 22))))
        (i32.store8 (i32.add (i32.add (local.get $dst) (i32.shl (local.get $pad) (i32.const 1))) (local.get $xx))
          (call $clip8 (i32.shr_s (local.get $s2) (i32.const 22))))
        (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
        (br $x))))

  ;; The horizontal pass on groups of 4 output samples whose taps lie within 5 input pixels of the group's first
  ;; (pil-resize-kernel.ts builds the table when every group does: upscaling). Per group at $table + g·(16 + 80·$pairs):
  ;; the group's first input pixel × 3 (i32), then per pair of taps j: the weights' high 11 bits (i16: w0, w1 of each
  ;; sample), their low 11 bits, and for each channel a swizzle putting the two taps' bytes as i16 lanes beside them.
  ;; w = hi·2^11 + lo, so Σ byte·w = 2^11·Σ byte·hi + Σ byte·lo, both dot products exact in i32.
  (func $hrowGroups (param $src i32) (param $groups i32) (param $table i32) (param $pairs i32) (param $dst i32) (param $pad i32)
    (local $g i32) (local $e i32) (local $j i32) (local $v v128) (local $sw v128) (local $h v128) (local $l v128)
    (local $h0 v128) (local $h1 v128) (local $h2 v128) (local $l0 v128) (local $l1 v128) (local $l2 v128)
    (local $b v128) (local $o i32)
    (local.set $e (local.get $table))
    (local.set $o (local.get $dst))
    (block $done
      (loop $group
        (br_if $done (i32.ge_s (local.get $g) (local.get $groups)))
        (local.set $v (v128.load (i32.add (local.get $src) (i32.load (local.get $e)))))
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (local.set $h0 (v128.const i32x4 0 0 0 0))
        (local.set $h1 (v128.const i32x4 0 0 0 0))
        (local.set $h2 (v128.const i32x4 0 0 0 0))
        (local.set $l0 (v128.const i32x4 0 0 0 0))
        (local.set $l1 (v128.const i32x4 0 0 0 0))
        (local.set $l2 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $pair
          (local.set $h (v128.load (local.get $e)))
          (local.set $l (v128.load offset=16 (local.get $e)))
          (local.set $sw (i8x16.swizzle (local.get $v) (v128.load offset=32 (local.get $e))))
          (local.set $h0 (i32x4.add (local.get $h0) (i32x4.dot_i16x8_s (local.get $sw) (local.get $h))))
          (local.set $l0 (i32x4.add (local.get $l0) (i32x4.dot_i16x8_s (local.get $sw) (local.get $l))))
          (local.set $sw (i8x16.swizzle (local.get $v) (v128.load offset=48 (local.get $e))))
          (local.set $h1 (i32x4.add (local.get $h1) (i32x4.dot_i16x8_s (local.get $sw) (local.get $h))))
          (local.set $l1 (i32x4.add (local.get $l1) (i32x4.dot_i16x8_s (local.get $sw) (local.get $l))))
          (local.set $sw (i8x16.swizzle (local.get $v) (v128.load offset=64 (local.get $e))))
          (local.set $h2 (i32x4.add (local.get $h2) (i32x4.dot_i16x8_s (local.get $sw) (local.get $h))))
          (local.set $l2 (i32x4.add (local.get $l2) (i32x4.dot_i16x8_s (local.get $sw) (local.get $l))))
          (local.set $e (i32.add (local.get $e) (i32.const 80)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $pair (i32.lt_s (local.get $j) (local.get $pairs))))
        ;; HALF + sum, >> 22; the saturating narrowings are clip8
        (local.set $h0 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.shl (local.get $h0) (i32.const 11)) (local.get $l0))
          (v128.const i32x4 2097152 2097152 2097152 2097152)) (i32.const 22)))
        (local.set $h1 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.shl (local.get $h1) (i32.const 11)) (local.get $l1))
          (v128.const i32x4 2097152 2097152 2097152 2097152)) (i32.const 22)))
        (local.set $h2 (i32x4.shr_s (i32x4.add (i32x4.add (i32x4.shl (local.get $h2) (i32.const 11)) (local.get $l2))
          (v128.const i32x4 2097152 2097152 2097152 2097152)) (i32.const 22)))
        (local.set $b (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s (local.get $h0) (local.get $h1))
          (i16x8.narrow_i32x4_s (local.get $h2) (local.get $h2))))
        (v128.store32_lane 0 (local.get $o) (local.get $b))
        (v128.store32_lane 1 (i32.add (local.get $o) (local.get $pad)) (local.get $b))
        (v128.store32_lane 2 (i32.add (local.get $o) (i32.shl (local.get $pad) (i32.const 1))) (local.get $b))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $group))))

  ;; Output rows [$yy0, $yy1) of the resize, normalised, into [3, $yy1 − $yy0, $width] float32 at $out (planes
  ;; $plane floats apart). Input rows are resized horizontally into the ring as the vertical taps reach them.
  (func (export "resizeRows")
    (param $src i32) (param $inStride i32) (param $width i32)
    (param $hFirst i32) (param $hCount i32) (param $hWeights i32) (param $hK i32) (param $hTable i32) (param $hPairs i32)
    (param $vFirst i32) (param $vCount i32) (param $vWeights i32) (param $vK i32)
    (param $ring i32) (param $ringRow i32) (param $ringSize i32) (param $pad i32) (param $taps i32)
    (param $yy0 i32) (param $yy1 i32) (param $out i32) (param $plane i32)
    (param $scale f64) (param $m0 f64) (param $m1 f64) (param $m2 f64) (param $i0 f64) (param $i1 f64) (param $i2 f64)
    (local $yy i32) (local $n i32) (local $t i32) (local $r i32) (local $slot i32) (local $kw i32)
    (local $c i32) (local $x i32) (local $o i32) (local $cOff i32) (local $row i32) (local $acc i32)
    (local $m f64) (local $inv f64)
    (local $r0 i32) (local $r1 i32) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b v128) (local $d v128) (local $u v128) (local $w0V v128) (local $w1V v128) (local $v v128) (local $w v128) (local $lo v128) (local $hi v128)
    (local $scaleV v128) (local $mV v128) (local $invV v128)
    (local.set $scaleV (f64x2.splat (local.get $scale)))
    (local.set $yy (local.get $yy0))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_s (local.get $yy) (local.get $yy1)))
        (local.set $n (i32.load (i32.add (local.get $vCount) (i32.shl (local.get $yy) (i32.const 2)))))
        (local.set $kw (i32.add (local.get $vWeights) (i32.shl (i32.mul (local.get $yy) (local.get $vK)) (i32.const 2))))
        ;; this row's input rows: in the ring (resized horizontally once each)
        (local.set $t (i32.const 0))
        (block $tapsDone
          (loop $tapsLoop
            (br_if $tapsDone (i32.ge_s (local.get $t) (local.get $n)))
            (local.set $r (i32.add (i32.load (i32.add (local.get $vFirst) (i32.shl (local.get $yy) (i32.const 2))))
              (local.get $t)))
            (local.set $slot (i32.rem_u (local.get $r) (local.get $ringSize)))
            (local.set $row (i32.add (local.get $ring) (i32.mul (local.get $slot) (i32.mul (local.get $pad) (i32.const 3)))))
            (if (i32.ne (i32.load (i32.add (local.get $ringRow) (i32.shl (local.get $slot) (i32.const 2)))) (local.get $r))
              (then
                (if (local.get $hPairs)
                  (then
                    (call $hrowGroups (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $inStride)))
                      (i32.shr_u (i32.add (local.get $width) (i32.const 3)) (i32.const 2))
                      (local.get $hTable) (local.get $hPairs) (local.get $row) (local.get $pad)))
                  (else
                    (call $hrow (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $inStride))) (local.get $width)
                      (local.get $hFirst) (local.get $hCount) (local.get $hWeights) (local.get $hK) (local.get $row) (local.get $pad))))
                (i32.store (i32.add (local.get $ringRow) (i32.shl (local.get $slot) (i32.const 2))) (local.get $r))))
            (i32.store (i32.add (local.get $taps) (i32.shl (local.get $t) (i32.const 2))) (local.get $row))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $tapsLoop)))
        (local.set $c (i32.const 0))
        (loop $channels
          (local.set $m (select (local.get $m0) (select (local.get $m1) (local.get $m2) (i32.eq (local.get $c) (i32.const 1)))
            (i32.eqz (local.get $c))))
          (local.set $inv (select (local.get $i0) (select (local.get $i1) (local.get $i2) (i32.eq (local.get $c) (i32.const 1)))
            (i32.eqz (local.get $c))))
          (local.set $mV (f64x2.splat (local.get $m)))
          (local.set $invV (f64x2.splat (local.get $inv)))
          (local.set $cOff (i32.mul (local.get $c) (local.get $pad)))
          (local.set $o (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $c) (local.get $plane))
            (i32.mul (i32.sub (local.get $yy) (local.get $yy0)) (local.get $width))) (i32.const 2))))
          (local.set $x (i32.const 0))
          ;; two taps (upscaling: every row but the edges): 16 samples at a time, the two rows' weights in registers
          (if (i32.eq (local.get $n) (i32.const 2))
            (then
              (local.set $r0 (i32.add (i32.load (local.get $taps)) (local.get $cOff)))
              (local.set $r1 (i32.add (i32.load offset=4 (local.get $taps)) (local.get $cOff)))
              (local.set $w0V (i32x4.splat (i32.load (local.get $kw))))
              (local.set $w1V (i32x4.splat (i32.load offset=4 (local.get $kw))))
              (block $fastDone
                (loop $fast
                  (br_if $fastDone (i32.gt_s (i32.add (local.get $x) (i32.const 16)) (local.get $width)))
                  (local.set $b (v128.load (i32.add (local.get $r0) (local.get $x))))
                  (local.set $d (v128.load (i32.add (local.get $r1) (local.get $x))))
                  (local.set $v (i16x8.extend_low_i8x16_u (local.get $b)))
                  (local.set $u (i16x8.extend_low_i8x16_u (local.get $d)))
              (local.set $a0 (i32x4.min_s (i32x4.max_s (i32x4.shr_s (i32x4.add (i32x4.add (v128.const i32x4 2097152 2097152 2097152 2097152)
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $v)) (local.get $w0V)))
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $u)) (local.get $w1V))) (i32.const 22))
                (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
              (local.set $a1 (i32x4.min_s (i32x4.max_s (i32x4.shr_s (i32x4.add (i32x4.add (v128.const i32x4 2097152 2097152 2097152 2097152)
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $v)) (local.get $w0V)))
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $u)) (local.get $w1V))) (i32.const 22))
                (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
                  (local.set $v (i16x8.extend_high_i8x16_u (local.get $b)))
                  (local.set $u (i16x8.extend_high_i8x16_u (local.get $d)))
              (local.set $a2 (i32x4.min_s (i32x4.max_s (i32x4.shr_s (i32x4.add (i32x4.add (v128.const i32x4 2097152 2097152 2097152 2097152)
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $v)) (local.get $w0V)))
                (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $u)) (local.get $w1V))) (i32.const 22))
                (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
              (local.set $a3 (i32x4.min_s (i32x4.max_s (i32x4.shr_s (i32x4.add (i32x4.add (v128.const i32x4 2097152 2097152 2097152 2097152)
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $v)) (local.get $w0V)))
                (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $u)) (local.get $w1V))) (i32.const 22))
                (v128.const i32x4 0 0 0 0)) (v128.const i32x4 255 255 255 255)))
              (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (local.get $a0)) (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a0) (local.get $a0)))
                (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (v128.store offset=0 (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
              (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (local.get $a1)) (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a1) (local.get $a1)))
                (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (v128.store offset=16 (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
              (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (local.get $a2)) (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a2) (local.get $a2)))
                (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (v128.store offset=32 (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
              (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (local.get $a3)) (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a3) (local.get $a3)))
                (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (v128.store offset=48 (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
                  (local.set $o (i32.add (local.get $o) (i32.const 64)))
                  (local.set $x (i32.add (local.get $x) (i32.const 16)))
                  (br $fast)))))
          ;; any tap count, 8 samples at a time: the taps' sums in two i32x4, clip8, then normalised through float64
          (block $vecDone
            (loop $vec
              (br_if $vecDone (i32.gt_s (i32.add (local.get $x) (i32.const 8)) (local.get $width)))
              (local.set $a0 (i32x4.splat (i32.const 2097152)))
              (local.set $a1 (local.get $a0))
              (local.set $t (i32.const 0))
              (block $vtDone (loop $tap
                (br_if $vtDone (i32.ge_s (local.get $t) (local.get $n)))
                (local.set $v (i16x8.extend_low_i8x16_u (v128.load64_zero
                  (i32.add (i32.add (i32.load (i32.add (local.get $taps) (i32.shl (local.get $t) (i32.const 2))))
                    (local.get $cOff)) (local.get $x)))))
                (local.set $w (i32x4.splat (i32.load (i32.add (local.get $kw) (i32.shl (local.get $t) (i32.const 2))))))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $v)) (local.get $w))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $v)) (local.get $w))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tap)))
              (local.set $a0 (i32x4.min_s (i32x4.max_s (i32x4.shr_s (local.get $a0) (i32.const 22)) (v128.const i32x4 0 0 0 0))
                (v128.const i32x4 255 255 255 255)))
              (local.set $a1 (i32x4.min_s (i32x4.max_s (i32x4.shr_s (local.get $a1) (i32.const 22)) (v128.const i32x4 0 0 0 0))
                (v128.const i32x4 255 255 255 255)))
              ;; samples 0–3
              (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (local.get $a0)) (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a0) (local.get $a0)))
                (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (v128.store (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
              ;; samples 4–7
              (local.set $lo (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (local.get $a1)) (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (local.set $hi (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.sub (f64x2.mul
                (f64x2.convert_low_i32x4_s (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $a1) (local.get $a1)))
                (local.get $scaleV)) (local.get $mV)) (local.get $invV))))
              (v128.store offset=16 (local.get $o) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $lo) (local.get $hi)))
              (local.set $o (i32.add (local.get $o) (i32.const 32)))
              (local.set $x (i32.add (local.get $x) (i32.const 8)))
              (br $vec)))
          ;; the last width mod 8 samples one at a time, with the same operations
          (block $tailDone
            (loop $tail
              (br_if $tailDone (i32.ge_s (local.get $x) (local.get $width)))
              (local.set $acc (i32.const 2097152))
              (local.set $t (i32.const 0))
              (block $stDone
                (loop $stap
                  (br_if $stDone (i32.ge_s (local.get $t) (local.get $n)))
                  (local.set $acc (i32.add (local.get $acc) (i32.mul
                    (i32.load8_u (i32.add (i32.add (i32.load (i32.add (local.get $taps) (i32.shl (local.get $t) (i32.const 2))))
                      (local.get $cOff)) (local.get $x)))
                    (i32.load (i32.add (local.get $kw) (i32.shl (local.get $t) (i32.const 2)))))))
                  (local.set $t (i32.add (local.get $t) (i32.const 1)))
                  (br $stap)))
              (f32.store (local.get $o) (f32.demote_f64 (f64.mul (f64.sub (f64.mul
                (f64.convert_i32_s (call $clip8 (i32.shr_s (local.get $acc) (i32.const 22)))) (local.get $scale))
                (local.get $m)) (local.get $inv))))
              (local.set $o (i32.add (local.get $o) (i32.const 4)))
              (local.set $x (i32.add (local.get $x) (i32.const 1)))
              (br $tail)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $channels (i32.lt_s (local.get $c) (i32.const 3))))
        (local.set $yy (i32.add (local.get $yy) (i32.const 1)))
        (br $rows))))
)
