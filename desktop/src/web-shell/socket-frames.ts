/**
 * Reads one text frame from the page (web-shell-protocol.ts) into what the
 * vault socket should do with it. Only the frame's envelope is checked here;
 * the method and its arguments are dispatchVaultCall's to validate.
 */

export type PageFrame =
  | { readonly kind: 'hello'; readonly token: string }
  | { readonly kind: 'call'; readonly id: number; readonly method: unknown; readonly args: unknown }
  /** Has a usable id, so it is answered on that id (INVALID_ARGUMENT) and the connection lives on. */
  | { readonly kind: 'bad-call'; readonly id: number; readonly message: string }
  /** Cannot be attributed to any call: the connection is closed. */
  | { readonly kind: 'malformed'; readonly message: string };

/** Far longer than a 43-character token; anything longer is not one. */
const MAX_TOKEN_LENGTH = 256;
const CALL_FIELDS: ReadonlySet<string> = new Set(['id', 'method', 'args']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readPageFrame(text: string): PageFrame {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { kind: 'malformed', message: 'frame is not JSON' };
  }
  if (!isPlainObject(frame)) return { kind: 'malformed', message: 'frame is not a JSON object' };

  if (Object.hasOwn(frame, 'token')) {
    const keys = Object.keys(frame);
    if (keys.length !== 1 || typeof frame.token !== 'string' || frame.token.length > MAX_TOKEN_LENGTH) {
      return { kind: 'malformed', message: 'a token frame is exactly {"token": "<token>"}' };
    }
    return { kind: 'hello', token: frame.token };
  }

  if (!Object.hasOwn(frame, 'id')) return { kind: 'malformed', message: 'frame has neither "token" nor "id"' };
  const id = frame.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    return { kind: 'malformed', message: '"id" must be a non-negative integer' };
  }
  const unexpected = Object.keys(frame).find((key) => !CALL_FIELDS.has(key));
  if (unexpected !== undefined) return { kind: 'bad-call', id, message: `unexpected frame field "${unexpected}"` };
  return { kind: 'call', id, method: frame.method, args: frame.args };
}
