/**
 * The vault socket's frames (web-shell-protocol.ts) as zod schemas, and the
 * two readers built on them: readPageFrame for the web shell (page -> shell)
 * and readShellFrame for the renderer's WebSocket transport (shell -> page).
 * Both sides import the frame types from here, so they cannot drift apart.
 * Browser-safe (the renderer loads zod jitless: app/zod-without-eval.ts).
 */
import { z } from 'zod';
import type { Result } from './result.js';
import { VAULT_EVENT_NAMES, type VaultEventName } from './vault-api.js';
import type { WebShellErrorCode } from './web-shell-protocol.js';

/** Far longer than a 43-character token; anything longer is not one. */
export const MAX_TOKEN_LENGTH = 256;

/** Chosen by the page, echoed in the answer. */
export const CallIdSchema = z.int().nonnegative();

/** page -> shell, first frame, exactly once. */
export const HelloFrameSchema = z.strictObject({ token: z.string().max(MAX_TOKEN_LENGTH) });
/**
 * page -> shell, one vault call. `method` and `args` are left to
 * dispatchVaultCall, which answers an unknown method or bad arguments on the
 * call's id instead of closing the connection.
 */
export const CallFrameSchema = z.strictObject({ id: CallIdSchema, method: z.unknown(), args: z.unknown().optional() });

const ApiErrorSchema = z.object({ code: z.string(), message: z.string() });
const ResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorSchema }),
]);

const VaultEventNameSchema = z.enum(VAULT_EVENT_NAMES);

export const ReadyFrameSchema = z.object({ ready: z.object({ protocol: z.int() }) });
export const ResultFrameSchema = z.object({ id: CallIdSchema, result: ResultSchema });
export const EventFrameSchema = z.object({ event: VaultEventNameSchema, payload: z.unknown() });
/** The code stays a string: a newer shell may refuse with a code this page does not know yet. */
export const ErrorFrameSchema = z.object({ error: ApiErrorSchema });

export type HelloFrame = z.infer<typeof HelloFrameSchema>;
export interface CallFrame {
  readonly id: number;
  readonly method: string;
  readonly args?: unknown;
}
export interface ReadyFrame {
  readonly ready: { readonly protocol: number };
}
export interface ResultFrame {
  readonly id: number;
  readonly result: Result<unknown>;
}
export interface EventFrame {
  readonly event: VaultEventName;
  readonly payload: unknown;
}
export interface ErrorFrame {
  readonly error: { readonly code: WebShellErrorCode; readonly message: string };
}
export type ShellToPageFrame = ReadyFrame | ResultFrame | EventFrame | ErrorFrame;

export type PageFrame =
  | { readonly kind: 'hello'; readonly token: string }
  | { readonly kind: 'call'; readonly id: number; readonly method: unknown; readonly args: unknown }
  /** Has a usable id, so it is answered on that id (INVALID_ARGUMENT) and the connection lives on. */
  | { readonly kind: 'bad-call'; readonly id: number; readonly message: string }
  /** Cannot be attributed to any call: the connection is closed. */
  | { readonly kind: 'malformed'; readonly message: string };

/** A JSON object (not an array, not null); its own keys are what the frame schemas see. */
const JsonObjectSchema = z.record(z.string(), z.unknown());

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** Reads one text frame from the page. Only the envelope is checked here; the call itself is dispatchVaultCall's. */
export function readPageFrame(text: string): PageFrame {
  const json = parseJson(text);
  if (!json.ok) return { kind: 'malformed', message: 'frame is not JSON' };
  if (!JsonObjectSchema.safeParse(json.value).success)
    return { kind: 'malformed', message: 'frame is not a JSON object' };
  // The parsed text itself, not zod's copy: a "__proto__" key stays an own key the strict schemas refuse.
  const frame = json.value as Record<string, unknown>;

  if (Object.hasOwn(frame, 'token')) {
    const hello = HelloFrameSchema.safeParse(frame);
    if (!hello.success) return { kind: 'malformed', message: 'a token frame is exactly {"token": "<token>"}' };
    return { kind: 'hello', token: hello.data.token };
  }

  if (!Object.hasOwn(frame, 'id')) return { kind: 'malformed', message: 'frame has neither "token" nor "id"' };
  const id = CallIdSchema.safeParse(frame.id);
  if (!id.success) return { kind: 'malformed', message: '"id" must be a non-negative integer' };
  const call = CallFrameSchema.safeParse(frame);
  if (!call.success) {
    const unexpected = call.error.issues.flatMap((issue) => (issue.code === 'unrecognized_keys' ? issue.keys : []))[0];
    const message = unexpected === undefined ? 'not a call frame' : `unexpected frame field "${unexpected}"`;
    return { kind: 'bad-call', id: id.data, message };
  }
  return { kind: 'call', id: id.data, method: call.data.method, args: call.data.args };
}

export type ShellFrame =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly id: number; readonly result: Result<unknown> }
  | { readonly kind: 'event'; readonly name: VaultEventName; readonly payload: unknown }
  | { readonly kind: 'error'; readonly code: string; readonly message: string };

/**
 * Reads one frame from the shell, or null for anything the protocol does not
 * know (binary data, not JSON, an unknown shape or event): that is a version
 * mismatch or a bug, and the call it would have answered times out.
 */
export function readShellFrame(data: unknown): ShellFrame | null {
  if (typeof data !== 'string') return null;
  const json = parseJson(data);
  if (!json.ok) return null;
  const ready = ReadyFrameSchema.safeParse(json.value);
  if (ready.success) return { kind: 'ready' };
  const result = ResultFrameSchema.safeParse(json.value);
  if (result.success) return { kind: 'result', id: result.data.id, result: result.data.result as Result<unknown> };
  const event = EventFrameSchema.safeParse(json.value);
  if (event.success) return { kind: 'event', name: event.data.event, payload: event.data.payload };
  const error = ErrorFrameSchema.safeParse(json.value);
  if (error.success) return { kind: 'error', code: error.data.error.code, message: error.data.error.message };
  return null;
}
