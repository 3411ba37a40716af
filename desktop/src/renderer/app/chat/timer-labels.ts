/** How the disappearing-message timers read (docs/protocol.md §6, Conversation features). */
import { EXPIRE_TIMER_SECONDS } from '@parley/crypto-core/content';

const LABELS: Readonly<Record<number, readonly [long: string, short: string]>> = {
  30: ['30 seconds', '30s'],
  300: ['5 minutes', '5m'],
  3600: ['1 hour', '1h'],
  28800: ['8 hours', '8h'],
  86400: ['1 day', '1d'],
  604800: ['1 week', '1w'],
  2419200: ['4 weeks', '4w'],
};

/** Every choice the timer menu offers, off first. */
export const TIMER_CHOICES: readonly number[] = [0, ...EXPIRE_TIMER_SECONDS];

export function timerLabel(seconds: number): string {
  return seconds === 0 ? 'Off' : (LABELS[seconds]?.[0] ?? `${seconds} seconds`);
}

export function timerShortLabel(seconds: number): string {
  return LABELS[seconds]?.[1] ?? `${seconds}s`;
}

/** The history line of a timer change: "You set …", "Bob turned off …". */
export function timerChangeText(seconds: number, byMe: boolean, peerName: string): string {
  const who = byMe ? 'You' : peerName;
  return seconds === 0
    ? `${who} turned off disappearing messages.`
    : `${who} set disappearing messages to ${timerLabel(seconds)}.`;
}
