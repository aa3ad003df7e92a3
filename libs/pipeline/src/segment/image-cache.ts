import type { ImageCacheStats } from './segment.types';

/**
 * An LRU of image-side state keyed by sha256, bounded by the bytes its values report. Values grow after insertion
 * (parts are computed lazily), so callers call `touch(key)` after adding to re-measure and evict. The entry being
 * used is never evicted by its own growth while it is pinned; an entry larger than the whole budget is dropped when
 * unpinned.
 */
export interface Sized {
  byteSize(): number;
}

export class ImageLru<V extends Sized> {
  private readonly map = new Map<string, V>();
  private readonly pins = new Map<string, number>();
  private hits = 0;
  private misses = 0;

  constructor(readonly capacityBytes: number) {}

  has(key: string): boolean {
    return this.map.has(key);
  }

  /** Looks up and marks most recently used; counts a hit or a miss. */
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.evict();
  }

  pin(key: string): void {
    this.pins.set(key, (this.pins.get(key) ?? 0) + 1);
  }

  unpin(key: string): void {
    const n = (this.pins.get(key) ?? 1) - 1;
    if (n <= 0) this.pins.delete(key);
    else this.pins.set(key, n);
    this.evict();
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  bytes(): number {
    let total = 0;
    for (const v of this.map.values()) total += v.byteSize();
    return total;
  }

  /** Drops least recently used unpinned entries until the total fits. */
  evict(): void {
    let total = this.bytes();
    if (total <= this.capacityBytes) return;
    for (const [key, v] of this.map) {
      if (total <= this.capacityBytes) break;
      if (this.pins.has(key)) continue;
      total -= v.byteSize();
      this.map.delete(key);
    }
  }

  stats(): ImageCacheStats {
    return { entries: this.map.size, bytes: this.bytes(), capacityBytes: this.capacityBytes, hits: this.hits, misses: this.misses };
  }

  clear(): void {
    this.map.clear();
  }
}
