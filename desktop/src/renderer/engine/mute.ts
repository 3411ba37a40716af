/**
 * Muting a conversation (direct or group): for 1 hour, 8 hours, 1 week or
 * until unmuted. Kept on the conversation row as `mutedUntil` (ms; MUTED_ALWAYS
 * for "until unmuted"; absent or null when not muted), so it survives
 * restarts. A muted conversation still receives and counts unread messages;
 * it raises no notification and leaves the unread total (badge and window
 * title). Pure: the expiry rules are tested on their own.
 */
import { EngineError, EngineErrorCode } from './errors.js';

export const MUTE_DURATIONS = ['1h', '8h', '1w', 'always'] as const;
export type MuteDuration = (typeof MUTE_DURATIONS)[number];

/** "Until unmuted": later than any clock. */
export const MUTED_ALWAYS = Number.MAX_SAFE_INTEGER;

const HOUR_MS = 60 * 60_000;
const LENGTH_MS: Record<Exclude<MuteDuration, 'always'>, number> = {
  '1h': HOUR_MS,
  '8h': 8 * HOUR_MS,
  '1w': 7 * 24 * HOUR_MS,
};

/** When a mute made at `now` for `duration` ends. */
export function muteUntil(duration: MuteDuration, now: number): number {
  if (duration === 'always') return MUTED_ALWAYS;
  const length = LENGTH_MS[duration];
  // The type allows no other; a caller that went around it is a bug.
  if (length === undefined)
    throw new EngineError(EngineErrorCode.Internal, `unknown mute duration ${String(duration)}`);
  return now + length;
}

/** Whether a conversation muted until `mutedUntil` is muted at `now` (a mute ends at its time). */
export function isMuted(mutedUntil: number | null | undefined, now: number): boolean {
  return mutedUntil !== null && mutedUntil !== undefined && now < mutedUntil;
}
