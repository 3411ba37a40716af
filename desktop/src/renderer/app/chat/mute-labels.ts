/** What the Mute menu offers and what the header says about a mute (pure, so tests pin it). */
import { MUTED_ALWAYS, type MuteDuration } from '../../engine/index.js';

export const MUTE_CHOICES: readonly { readonly duration: MuteDuration; readonly label: string }[] = [
  { duration: '1h', label: 'For 1 hour' },
  { duration: '8h', label: 'For 8 hours' },
  { duration: '1w', label: 'For 1 week' },
  { duration: 'always', label: 'Until I unmute it' },
];

/** "Muted until 18:30", "Muted until Mon 9 Dec, 18:30" (another day), or "Muted" (until unmuted). */
export function mutedUntilText(mutedUntil: number, now: number, locale?: string): string {
  if (mutedUntil >= MUTED_ALWAYS) return 'Muted';
  const end = new Date(mutedUntil);
  const sameDay = new Date(now).toDateString() === end.toDateString();
  const time = end.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  if (sameDay) return `Muted until ${time}`;
  const day = end.toLocaleDateString(locale, { weekday: 'short', day: 'numeric', month: 'short' });
  return `Muted until ${day}, ${time}`;
}
