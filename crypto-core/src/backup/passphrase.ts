/**
 * Backup passphrases: a generated 30-digit code (log2(10^30) ≈ 99.7 bits from
 * the CSPRNG, shown in six groups of five), or one the user chooses, which
 * must pass an entropy estimate of at least MIN_BACKUP_PASSPHRASE_BITS.
 *
 * The estimate is deliberately pessimistic and simple: each character costs
 * log2 of the size of the character classes the passphrase uses, except that
 * common words, keyboard rows, runs of one character, ascending/descending
 * sequences and a repeated block cost only a few bits each. It is no zxcvbn,
 * but it refuses what guessers try first and explains why in one sentence.
 *
 * Browser-safe: uses globalThis.crypto.getRandomValues.
 */
export const GENERATED_PASSPHRASE_DIGITS = 30;
export const MIN_BACKUP_PASSPHRASE_BITS = 60;
export const MIN_BACKUP_PASSPHRASE_LENGTH = 12;

/** A fresh 30-digit code, formatted as six groups of five digits separated by spaces. */
export function generateBackupPassphrase(): string {
  const digits: number[] = [];
  const buffer = new Uint8Array(64);
  while (digits.length < GENERATED_PASSPHRASE_DIGITS) {
    globalThis.crypto.getRandomValues(buffer);
    for (const byte of buffer) {
      // Rejection sampling: 250 = 25 * 10, so byte % 10 is uniform below it.
      if (byte < 250 && digits.length < GENERATED_PASSPHRASE_DIGITS) digits.push(byte % 10);
    }
  }
  return (digits.join('').match(/.{5}/g) ?? []).join(' ');
}

/**
 * The passphrase as the key derivation sees it: a generated code typed with
 * or without its spaces (or dashes) is the same 30 digits; any other
 * passphrase is used exactly as given (Unicode NFC).
 */
export function normalizeBackupPassphrase(passphrase: string): string {
  const compact = passphrase.replace(/[\s-]/g, '');
  if (/^\d+$/.test(compact) && compact.length === GENERATED_PASSPHRASE_DIGITS) return compact;
  return passphrase.normalize('NFC');
}

export interface PassphraseStrength {
  /** Estimated entropy in bits (rounded down). */
  readonly bits: number;
  readonly acceptable: boolean;
  /** One sentence for the user when not acceptable. */
  readonly reason: string | null;
}

const COMMON_WORDS = [
  'password',
  'passwort',
  'passphrase',
  'parley',
  'qwerty',
  'azerty',
  'letmein',
  'welcome',
  'admin',
  'login',
  'iloveyou',
  'love',
  'monkey',
  'dragon',
  'master',
  'shadow',
  'sunshine',
  'princess',
  'football',
  'baseball',
  'secret',
  'backup',
  'trustno',
  'hello',
  'freedom',
  'whatever',
  'summer',
  'winter',
  'spring',
  'autumn',
  'michael',
  'jennifer',
  'charlie',
  'superman',
  'batman',
  'starwars',
  'pokemon',
  'computer',
  'internet',
  'google',
  'test',
  'guest',
  'user',
  'default',
  'changeme',
  'abc',
  'pass',
  'word',
  'mypass',
  'private',
];
const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'qwertzuiop', 'azertyuiop'];
/** Bits a recognised pattern (word, row, run, sequence) costs a guesser, whatever its length. */
const PATTERN_BITS = 6;

function classSize(text: string): number {
  let size = 0;
  if (/[a-z]/.test(text)) size += 26;
  if (/[A-Z]/.test(text)) size += 26;
  if (/\d/.test(text)) size += 10;
  if (/[ -/:-@[-`{-~]/.test(text)) size += 33;
  if (/[^\x20-\x7e]/.test(text)) size += 100;
  return Math.max(size, 10);
}

/** Length of a recognised pattern starting at `at`, or 0. */
function patternAt(lower: string, at: number): number {
  let best = 0;
  for (const word of COMMON_WORDS) {
    if (word.length >= 3 && lower.startsWith(word, at)) best = Math.max(best, word.length);
  }
  for (const row of KEYBOARD_ROWS) {
    for (const candidate of [row, [...row].reverse().join('')]) {
      let length = 0;
      while (at + length < lower.length && candidate.includes(lower.slice(at, at + length + 1))) length++;
      if (length >= 4) best = Math.max(best, length);
    }
  }
  let run = 1;
  while (at + run < lower.length && lower[at + run] === lower[at]) run++;
  if (run >= 3) best = Math.max(best, run);
  for (const step of [1, -1]) {
    let length = 1;
    while (at + length < lower.length && lower.charCodeAt(at + length) - lower.charCodeAt(at + length - 1) === step) {
      length++;
    }
    if (length >= 3) best = Math.max(best, length);
  }
  return best;
}

/** The shortest block the text repeats (e.g. "abcabcabc" -> "abc"), or the text. */
function repeatedBlock(text: string): string {
  for (let size = 1; size <= text.length / 2; size++) {
    if (text.length % size === 0 && text.slice(0, size).repeat(text.length / size) === text) return text.slice(0, size);
  }
  return text;
}

function estimateBits(text: string): number {
  const perChar = Math.log2(classSize(text));
  const lower = text.toLowerCase();
  let bits = 0;
  let at = 0;
  while (at < lower.length) {
    const pattern = patternAt(lower, at);
    if (pattern > 0) {
      bits += PATTERN_BITS;
      at += pattern;
    } else {
      bits += perChar;
      at++;
    }
  }
  return bits;
}

/** Whether a chosen passphrase is strong enough to protect a backup. */
export function backupPassphraseStrength(passphrase: string): PassphraseStrength {
  const normalized = normalizeBackupPassphrase(passphrase);
  if (/^\d{30}$/.test(normalized)) {
    return { bits: Math.floor(GENERATED_PASSPHRASE_DIGITS * Math.log2(10)), acceptable: true, reason: null };
  }
  const characters = [...normalized];
  if (characters.length < MIN_BACKUP_PASSPHRASE_LENGTH) {
    return {
      bits: Math.floor(estimateBits(normalized)),
      acceptable: false,
      reason: `Use at least ${MIN_BACKUP_PASSPHRASE_LENGTH} characters, or the generated code.`,
    };
  }
  const block = repeatedBlock(normalized);
  const bits = Math.floor(estimateBits(block) + (block === normalized ? 0 : 2));
  if (bits >= MIN_BACKUP_PASSPHRASE_BITS) return { bits, acceptable: true, reason: null };
  const patterned = estimateBits(block) < characters.length * 2;
  return {
    bits,
    acceptable: false,
    reason: patterned
      ? 'It is made of common words, repeats or keyboard patterns; add a few unrelated words or use the generated code.'
      : 'It is too easy to guess; make it longer (a few unrelated words work well) or use the generated code.',
  };
}
