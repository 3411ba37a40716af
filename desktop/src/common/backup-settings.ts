/**
 * The engine settings a backup may carry, with the shape each value must
 * have (docs/backup-format.md, `setting` records). The vault checks every
 * setting record of a backup against these before anything is imported: a
 * known key with a value of another shape refuses the restore
 * (INVALID_BACKUP_SETTING); a key not listed here (a newer app's setting, or
 * one of the device settings that are never exported) is dropped and
 * counted. Browser-safe.
 */
import { profileWireSchema } from '@parley/crypto-core/content';
import { accessKeySchema } from '@parley/crypto-core/wire';
import { z } from 'zod';

export const RESTORABLE_SETTINGS = {
  /** Read receipts and typing indicators on or off (engine/privacy-settings.ts). */
  privacy: z.strictObject({ readReceipts: z.boolean(), typingIndicators: z.boolean() }),
  /** How far the one-time copy of a version 1 database got (engine/at-rest/legacy-migration.ts). */
  legacyMigration: z.strictObject({ state: z.enum(['copying', 'done']), at: z.number().int().nonnegative() }),
  /**
   * The account's two access keys (engine/access-keys.ts; docs/protocol.md
   * §4.7): restored, so the install keeps its contact code and contacts
   * keep reaching it.
   */
  accessKeys: z.strictObject({ codeKey: accessKeySchema, contactKey: accessKeySchema }),
  /** The account's display name and avatar as its profiles carry them (engine/own-profile.ts). */
  ownProfile: z.strictObject({
    name: profileWireSchema.shape.name.unwrap().nullable(),
    avatar: profileWireSchema.shape.avatar.unwrap().nullable(),
  }),
} as const;
export type RestorableSettingKey = keyof typeof RESTORABLE_SETTINGS;

export type RestoredSettingCheck =
  | { readonly status: 'known' }
  | { readonly status: 'unknown' }
  | { readonly status: 'invalid'; readonly message: string };

export function isRestorableSettingKey(key: string): key is RestorableSettingKey {
  return Object.hasOwn(RESTORABLE_SETTINGS, key);
}

export function checkRestoredSetting(key: string, value: unknown): RestoredSettingCheck {
  if (!isRestorableSettingKey(key)) return { status: 'unknown' };
  const parsed = RESTORABLE_SETTINGS[key].safeParse(value);
  if (parsed.success) return { status: 'known' };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  return { status: 'invalid', message: `setting "${key}" has a value of the wrong shape${where}: ${issue?.message}` };
}
