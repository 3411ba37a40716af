/**
 * The one error base of the desktop package, modelled on libsignal's Node
 * bindings (node/ts/Errors.ts) like crypto-core's ParleyCryptoError: each
 * area (vault, vault calls, engine, relay calls, vault transport, web shell)
 * has its own subclass with a `name` and a `code` enum, a static `is()` that
 * also narrows by code, and `cause` always set.
 *
 * `is()` checks the shape (`name` plus a known `code`) as well as the
 * prototype, because errors cross bundles and module copies (the renderer's
 * Vite bundle and its tests, the vault under Electron and the web shell)
 * where `instanceof` alone says no. Browser-safe.
 */

/** What the shared `is()` needs of a subclass: its instances' type, name and codes. */
interface DesktopErrorClass<E extends ParleyDesktopError> {
  readonly prototype: E;
  readonly errorName: string;
  readonly codes: ReadonlySet<string> | null;
}

export abstract class ParleyDesktopError<C extends string = string> extends Error {
  /** Each subclass's name (its instances' `name`); `is()` compares it. */
  static readonly errorName: string = 'ParleyDesktopError';
  /**
   * Each subclass's codes, for recognising copies from another bundle; null
   * accepts any string code (VaultCallError carries codes of a vault that may
   * be newer than this build).
   */
  static readonly codes: ReadonlySet<string> | null = null;

  override readonly name: string;
  readonly code: C;
  /**
   * The underlying failure, or, when nothing was thrown underneath, an Error
   * with the message (as crypto-core's invalidInput does), so a cause chain
   * always ends in an Error with a stack.
   */
  override readonly cause: unknown;

  constructor(code: C, message: string, cause?: unknown) {
    const underlying = cause ?? new Error(message);
    super(message, { cause: underlying });
    this.name = (new.target as unknown as DesktopErrorClass<ParleyDesktopError>).errorName;
    this.code = code;
    this.cause = underlying;
  }

  /**
   * True for an instance of the class it is called on (`EngineError.is(x)`),
   * optionally with the given code; also for an object from another copy of
   * that class: named like it, with one of its codes.
   */
  static is<E extends ParleyDesktopError>(this: DesktopErrorClass<E>, value: unknown, code?: E['code']): value is E {
    // biome-ignore lint/complexity/noThisInStatic: `this` is on purpose the subclass the guard is called on (EngineError.is)
    return isErrorOfClass(this, value, code);
  }
}

function isErrorOfClass<E extends ParleyDesktopError>(
  type: DesktopErrorClass<E>,
  value: unknown,
  code: string | undefined,
): value is E {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { name?: unknown; code?: unknown };
  if (!(value instanceof (type as unknown as abstract new (...args: never[]) => E))) {
    if (candidate.name !== type.errorName || typeof candidate.code !== 'string') return false;
    if (type.codes !== null && !type.codes.has(candidate.code)) return false;
  }
  return code === undefined || candidate.code === code;
}

/** The values of a code enum (`as const` object), for a subclass's `codes`. */
export function codeSet(...enums: Readonly<Record<string, string>>[]): ReadonlySet<string> {
  return new Set(enums.flatMap((codes) => Object.values(codes)));
}
