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

export abstract class ParleyDesktopError<C extends string = string> extends Error {
  /** Each subclass names itself; `is()` compares it. */
  abstract override readonly name: string;
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
    this.code = code;
    this.cause = underlying;
  }
}

/**
 * The guard every subclass's static `is()` delegates to: true for an
 * instance of `type`, or for any object named `name` whose `code` is one of
 * `codes` (a copy of the class from another bundle). `codes` null accepts any
 * string code (VaultCallError carries codes of a vault that may be newer).
 */
export function isDesktopError(
  value: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: any constructor signature; only its prototype is used
  type: abstract new (...args: any[]) => ParleyDesktopError,
  name: string,
  codes: ReadonlySet<string> | null,
  code: string | undefined,
): boolean {
  if (value === null || typeof value !== 'object') return false;
  const candidate = value as { name?: unknown; code?: unknown };
  if (!(value instanceof type)) {
    if (candidate.name !== name || typeof candidate.code !== 'string') return false;
    if (codes !== null && !codes.has(candidate.code)) return false;
  }
  return code === undefined || candidate.code === code;
}

/** The values of a code enum (`as const` object), for isDesktopError. */
export function codeSet(codes: Readonly<Record<string, string>>): ReadonlySet<string> {
  return new Set(Object.values(codes));
}
