/**
 * Seeded generators for fuzz tests: random JSON-like values and mutations of
 * valid ones, so a failure reproduces from its seed.
 */
export type Random = () => number;

/** mulberry32: tiny seeded PRNG, plenty for choosing fuzz inputs. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: Random, max: number): number {
  return Math.floor(random() * max);
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[randomInt(random, items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

const STRINGS = ['', 'a', 'parley:', '=', '====', 'AAAA', '\u0000', '💬', 'https://x', '-1', '1e309', '__proto__'];

export function randomString(random: Random): string {
  if (random() < 0.4) return pick(random, STRINGS);
  let out = '';
  const length = randomInt(random, 80);
  for (let i = 0; i < length; i++) out += String.fromCharCode(randomInt(random, random() < 0.9 ? 128 : 0x10000));
  return out;
}

/** A random JSON-compatible value (plus a few non-JSON ones), nested at most `depth` deep. */
export function randomValue(random: Random, depth = 3): unknown {
  const kind = randomInt(random, depth > 0 ? 9 : 7);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return undefined;
    case 2:
      return random() < 0.5;
    case 3:
      return pick(random, [
        0,
        -1,
        1,
        0.5,
        2 ** 31,
        2 ** 53,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        randomInt(random, 1e6),
      ]);
    case 4:
    case 5:
      return randomString(random);
    case 6:
      return new Uint8Array(randomInt(random, 40));
    case 7:
      return Array.from({ length: randomInt(random, 5) }, () => randomValue(random, depth - 1));
    default: {
      const out: Record<string, unknown> = {};
      const keys = randomInt(random, 6);
      for (let i = 0; i < keys; i++) out[randomString(random)] = randomValue(random, depth - 1);
      return out;
    }
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** One random change to a valid value: drop, retype or corrupt a field, or add an unknown one. */
export function mutateValue(random: Random, valid: unknown): unknown {
  const copy = clone(valid);
  if (copy === null || typeof copy !== 'object') {
    return typeof copy === 'string' && copy.length > 0 && random() < 0.7
      ? mutateString(random, copy)
      : randomValue(random);
  }
  const container = copy as Record<string, unknown>;
  const keys = Object.keys(container);
  const key = keys.length > 0 ? pick(random, keys) : undefined;
  const action = randomInt(random, 5);
  if (key === undefined || action === 0) {
    container[randomString(random)] = randomValue(random);
  } else if (action === 1) {
    delete container[key];
  } else if (action === 2) {
    container[key] = randomValue(random);
  } else {
    container[key] = mutateValue(random, container[key]);
  }
  return copy;
}

export function mutateString(random: Random, text: string): string {
  const at = randomInt(random, text.length + 1);
  switch (randomInt(random, 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + String.fromCharCode(randomInt(random, 256)) + text.slice(at);
    case 2:
      return text.slice(0, at);
    default:
      return text.slice(0, at) + String.fromCharCode(randomInt(random, 256)) + text.slice(at + 1);
  }
}

/** Random bytes, or a copy of `valid` with a few bytes flipped, cut or inserted. */
export function mutateBytes(random: Random, valid: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(valid);
  const action = randomInt(random, 4);
  if (action === 0) {
    const flips = 1 + randomInt(random, 4);
    for (let i = 0; i < flips && out.length > 0; i++) {
      const at = randomInt(random, out.length);
      out[at] = (out[at] ?? 0) ^ (1 << randomInt(random, 8));
    }
    return out;
  }
  if (action === 1) return out.slice(0, randomInt(random, out.length + 1));
  if (action === 2) {
    const extra = new Uint8Array(1 + randomInt(random, 16)).map(() => randomInt(random, 256));
    const at = randomInt(random, out.length + 1);
    const joined = new Uint8Array(out.length + extra.length);
    joined.set(out.subarray(0, at));
    joined.set(extra, at);
    joined.set(out.subarray(at), at + extra.length);
    return joined;
  }
  return new Uint8Array(randomInt(random, 200)).map(() => randomInt(random, 256));
}
