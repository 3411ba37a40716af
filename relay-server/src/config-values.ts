/**
 * How option values are written and read: the parsers of the option table
 * (config-options.ts). Durations accept a unit (`500ms`, `60s`, `15m`,
 * `24h`, `30d`; a bare number means seconds); sizes accept `B`, `KiB`, `MiB`
 * or `GiB` (bare: bytes). Each parser answers a value or a reason, never throws.
 */
import { normalizeRelayUrl } from '@parley/crypto-core/wire';

export type Parsed = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

export interface OptionSpec {
  /** Long flag name without the dashes. */
  readonly flag: string;
  readonly env: string;
  /** Placeholder shown in --help; undefined for boolean switches. */
  readonly valueName?: string;
  readonly defaultText: string;
  readonly description: string;
  /** The flag may be given several times; every value is parsed and the results (arrays) are concatenated. */
  readonly repeatable?: true;
  /** The value may hold a secret (a password in a URL): an error about it never repeats it. */
  readonly secret?: true;
  readonly parse: (text: string) => Parsed;
}

/** A flag's value as the command line gives it: text, several texts for a repeatable flag, or a switch. */
export type FlagValue = string | readonly string[] | boolean;

export const ok = (value: unknown): Parsed => ({ ok: true, value });
export const fail = (reason: string): Parsed => ({ ok: false, reason });

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) return undefined;
  const unit = DURATION_UNITS[match[2] ?? 's'];
  if (unit === undefined) return undefined;
  const ms = Math.round(Number(match[1]) * unit);
  return Number.isFinite(ms) ? ms : undefined;
}

export function parseSize(text: string): number | undefined {
  const match = /^(\d+)\s*(b|kib|mib|gib)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? 'b').toLowerCase()];
  return unit === undefined ? undefined : Number(match[1]) * unit;
}

export function integer(min: number, max: number) {
  return (text: string): Parsed => {
    if (!/^\d+$/.test(text.trim())) return fail('must be a whole number');
    const value = Number(text);
    return value >= min && value <= max ? ok(value) : fail(`must be between ${min} and ${max}`);
  };
}

export function positiveNumber(text: string): Parsed {
  const value = Number(text);
  return /^\d+(\.\d+)?$/.test(text.trim()) && value > 0 ? ok(value) : fail('must be a positive number');
}

export function duration(minMs: number, maxMs: number) {
  return (text: string): Parsed => {
    const ms = parseDuration(text);
    if (ms === undefined) return fail('must be a duration such as 500ms, 60s, 15m, 24h or 30d');
    return ms >= minMs && ms <= maxMs ? ok(ms) : fail(`must be between ${minMs} ms and ${maxMs} ms`);
  };
}

export function oneOf<T extends string>(values: readonly T[], normalize: (text: string) => string = (t) => t) {
  return (text: string): Parsed => {
    const value = normalize(text.trim());
    return (values as readonly string[]).includes(value) ? ok(value) : fail(`must be one of ${values.join(', ')}`);
  };
}

export function text(text: string): Parsed {
  return text.length > 0 ? ok(text) : fail('must not be empty');
}

/** Comma-separated relay URLs, each canonicalised exactly as clients do before signing. */
export function relayUrls(text: string): Parsed {
  const urls: string[] = [];
  for (const item of text.split(',')) {
    const candidate = item.trim();
    if (candidate === '') continue;
    try {
      urls.push(normalizeRelayUrl(candidate));
    } catch {
      return fail(
        `must be http(s) URLs with a host and no credentials, query or fragment (${JSON.stringify(candidate)})`,
      );
    }
  }
  return urls.length > 0 ? ok(urls) : fail('must name at least one URL');
}

export function boolean(text: string): Parsed {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return ok(true);
  if (['0', 'false', 'no', 'off'].includes(value)) return ok(false);
  return fail('must be true or false');
}

/** A size within [min, max] bytes. */
export function size(min: number, max: number) {
  return (input: string): Parsed => {
    const bytes = parseSize(input);
    if (bytes === undefined) return fail('must be a size such as 65536, 64KiB, 100MiB or 1GiB');
    return bytes >= min && bytes <= max ? ok(bytes) : fail(`must be between ${min} B and ${max} B`);
  };
}

/** A URL with one of `protocols` (e.g. 'redis:'); refusals name the first as the expected kind. */
function urlOf(text: string, protocols: readonly string[]): Parsed {
  const expected = `must be a ${protocols[0]}// URL`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(expected);
  }
  return protocols.includes(url.protocol) ? ok(text) : fail(expected);
}

/** A PostgreSQL URL (postgres:// or postgresql://). The option is `secret`: a password in it is never echoed. */
export function postgresUrl(text: string): Parsed {
  return urlOf(text, ['postgres:', 'postgresql:']);
}

/** A plain lower-case schema name (the store refuses anything that would need quoting). */
export function postgresSchema(text: string): Parsed {
  return /^[a-z_][a-z0-9_]{0,62}$/.test(text) ? ok(text) : fail('must be lower-case letters, digits and _');
}

/** A Redis URL (redis://, or rediss:// for TLS). The option is `secret`: a password in it is never echoed. */
export function redisUrl(text: string): Parsed {
  return urlOf(text, ['redis:', 'rediss:']);
}

/** A short prefix for Redis keys and channels: printable, no spaces. */
export function redisPrefix(text: string): Parsed {
  return /^[A-Za-z0-9_:.-]{1,64}$/.test(text) ? ok(text) : fail('must be 1 to 64 letters, digits or _ : . -');
}
