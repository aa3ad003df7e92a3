import type { WasmMemory } from '../../wasm/wasm-module';

/** The sam-post module's exports (sam-post.wat). */
export interface SamPostExports {
  memory: WasmMemory;
  scanRuns(...args: number[]): number;
  classifyLeaves(...args: number[]): void;
  walk(...args: number[]): void;
  gather(...args: number[]): void;
  maskFill(...args: number[]): void;
}

/** A work region of the memory: one geometry's tables and scratch at a time (`active` says whose tables it holds). */
export interface WorkRegion {
  readonly ptr: number;
  readonly bytes: number;
  active: object | null;
}

interface ArenaSlot {
  readonly ptr: number;
  readonly floats: number;
  busy: boolean;
}

/** decoder batches that can be lent at once (the engine keeps 2 model calls in flight; a third is being processed) */
const ARENA_SLOTS = 3;
/** bytes after each lent batch: the kernels' whole-vector loads may read a few cells past a window's last row */
const SLOT_PAD = 64;
/** the largest batch lent ([P, 3, S, S] float32): 128 points at S = 256 (100 MB); bigger batches are not lent */
const MAX_SLOT_FLOATS = 128 * 3 * 256 * 256;

const align64 = (n: number) => (n + 63) & ~63;

/**
 * One sam-post module instance and the layout of its memory: work regions (each geometry's tables and scratch, see
 * SamPostKernels — their state lives only within one synchronous call, so geometries of the same size or smaller share
 * a region) and an arena of decoder-batch buffers. A decoder that writes its low-res logits into a lent buffer saves
 * the copy of every candidate's cells into the module (the kernels read them where they are).
 *
 * Growing a WebAssembly memory detaches every view on it, so the memory grows only while no buffer is lent (a lent
 * one may be held by a model call in flight); views made by the kernels are remade when `generation` changes.
 */
export class KernelMemory {
  heapF32!: Float32Array;
  heapI32!: Int32Array;
  heapU8!: Uint8Array;
  /** bumped whenever the memory grew (every earlier view is detached) */
  generation = 0;
  private buffer: ArrayBuffer | null = null;
  private end = 0;
  private readonly regions: WorkRegion[] = [];
  private readonly slots: ArenaSlot[] = [];
  private lentCount = 0;
  /** a geometry needed more room while buffers were lent: lend no more until they are back, then grow */
  private growthWanted = false;

  /** `lends`: whether this memory lends decoder buffers (the shared one of the thread does; a private one does not) */
  constructor(
    readonly ex: SamPostExports,
    private readonly lends: boolean,
  ) {
    this.refresh();
  }

  /** Remakes the heap views after the memory grew; returns the generation. */
  refresh(): number {
    const buf = this.ex.memory.buffer;
    if (buf !== this.buffer) {
      this.buffer = buf;
      this.heapF32 = new Float32Array(buf);
      this.heapI32 = new Int32Array(buf);
      this.heapU8 = new Uint8Array(buf);
      this.generation++;
    }
    return this.generation;
  }

  /** Whether `data` is a view on this memory (then the kernels read it in place). */
  holds(data: ArrayBufferView): boolean {
    return data.buffer === this.ex.memory.buffer;
  }

  /**
   * A work region of at least `bytes`: the smallest that fits, else a new one at the end (growing the memory). Null
   * when that would need growth while buffers are lent.
   */
  region(bytes: number): WorkRegion | null {
    let best: WorkRegion | null = null;
    for (const r of this.regions) if (r.bytes >= bytes && (!best || r.bytes < best.bytes)) best = r;
    if (best) return best;
    if (this.lentCount > 0) {
      this.growthWanted = true;
      return null;
    }
    this.growthWanted = false;
    const r: WorkRegion = { ptr: this.allocate(bytes), bytes, active: null };
    this.regions.push(r);
    return r;
  }

  /**
   * A buffer of `floats` float32 in this memory for one decoder batch's low-res logits, or null (none free, too big,
   * or the memory must grow first). Give it back with `giveBack` once the batch was processed (or its call failed).
   */
  lend(floats: number): Float32Array | null {
    if (!this.lends || floats <= 0 || floats > MAX_SLOT_FLOATS) return null;
    if (this.growthWanted && this.lentCount > 0) return null;
    let slot: ArenaSlot | null = null;
    for (const s of this.slots) if (!s.busy && s.floats >= floats && (!slot || s.floats < slot.floats)) slot = s;
    if (!slot) {
      if (this.lentCount > 0) return null;
      // room for ARENA_SLOTS batches of this size at once: untouched pages cost address space only
      for (let i = 0; i < ARENA_SLOTS; i++) this.slots.push({ ptr: this.allocate(4 * floats + SLOT_PAD), floats, busy: false });
      this.growthWanted = false;
      slot = this.slots[this.slots.length - ARENA_SLOTS];
    }
    slot.busy = true;
    this.lentCount++;
    return new Float32Array(this.ex.memory.buffer, slot.ptr, floats);
  }

  /** Takes back a buffer `lend` returned (any view starting where it starts); anything else is ignored. */
  giveBack(data: Float32Array): void {
    if (!this.holds(data)) return;
    for (const s of this.slots) {
      if (s.busy && s.ptr === data.byteOffset) {
        s.busy = false;
        this.lentCount--;
        return;
      }
    }
  }

  /** buffers lent and not given back, for tests */
  get lent(): number {
    return this.lentCount;
  }

  private allocate(bytes: number): number {
    const ptr = align64(this.end);
    this.end = ptr + align64(bytes);
    const have = this.ex.memory.buffer.byteLength;
    if (this.end > have) this.ex.memory.grow(Math.ceil((this.end - have) / 65536));
    this.refresh();
    return ptr;
  }
}
