// Deterministic randomness for the fake tenant: the same seed always builds the same school,
// so a failing test can be replayed exactly. Hashes (not a stream) let names be derived lazily
// from an item's index, which keeps a 1,000,000-item tenant free of per-item strings.

/** 32-bit integer hash of (seed, a, b) — splitmix-style avalanche, good enough for fixtures. */
export function hash3(seed: number, a: number, b = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ a, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h ^ b, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x27d4eb2d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

/** A float in [0, 1) from a hash. */
export function unit(seed: number, a: number, b = 0): number {
  return hash3(seed, a, b) / 4294967296;
}

/** mulberry32: a small seeded stream for the generator's sequential choices. */
export function createRandom(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(list: readonly T[], h: number): T {
  return list[h % list.length] as T;
}
