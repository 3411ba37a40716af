/**
 * What every IPC handler checks before it acts, as pure functions: the
 * sender is our window's main frame showing our app:// origin, and the
 * arguments have the expected shape. The vault's own arguments are checked
 * by dispatchVaultCall; these are the app channels'.
 */
import { z } from 'zod';
import { isAppUrl } from './app-origin.js';

/** The facts about an IPC event's sender that decide whether it may call us. */
export interface SenderFacts {
  /** event.sender.id */
  readonly webContentsId: number;
  /** event.senderFrame?.url; null when the frame is gone. */
  readonly frameUrl: string | null;
  /** Whether event.senderFrame is the sender's main frame (never a subframe). */
  readonly isMainFrame: boolean;
}

/** Null when the sender is trusted, else why not (for the log). */
export function senderProblem(sender: SenderFacts, trustedWebContentsId: number | null): string | null {
  if (trustedWebContentsId === null || sender.webContentsId !== trustedWebContentsId) return 'not our window';
  if (!sender.isMainFrame) return 'not the main frame';
  if (sender.frameUrl === null || !isAppUrl(sender.frameUrl)) return 'not the app:// origin';
  return null;
}

const shortText = (max: number) => z.string().max(max);

export const appArgSchemas = {
  notify: z.tuple([
    z.strictObject({ title: shortText(200), body: shortText(1_000), conversationId: shortText(200).min(1) }),
  ]),
  setBadge: z.tuple([z.number().int().min(0).max(1_000_000)]),
  openExternal: z.tuple([shortText(2_048)]),
  allowRelay: z.tuple([shortText(2_048)]),
  checkRelay: z.tuple([shortText(2_048)]),
} as const;
export type AppChannelName = keyof typeof appArgSchemas;
export type AppArgs<C extends AppChannelName> = z.infer<(typeof appArgSchemas)[C]>;
