/**
 * The settings row a restore leaves in the engine database. While it says
 * 'importing' the database is incomplete; 'pending-registration' means the
 * import committed and the next start must register this device afresh
 * (fresh prekeys replace the relay's set) before anything else.
 */
import type { EngineDatabase } from '../database.js';
import type { SettingRecord } from '../records.js';

export const RESTORE_MARKER_KEY = 'restoredFromBackup';

export interface RestoreMarker {
  readonly state: 'importing' | 'pending-registration';
  readonly at: number;
}

export async function readRestoreMarker(db: EngineDatabase): Promise<RestoreMarker | null> {
  const row = (await db.settings.get(RESTORE_MARKER_KEY)) as { value?: RestoreMarker } | undefined;
  return row?.value ?? null;
}

/** Written inside the caller's transaction when there is one. */
export async function writeRestoreMarker(db: EngineDatabase, marker: RestoreMarker | null): Promise<void> {
  if (marker === null) await db.settings.delete(RESTORE_MARKER_KEY);
  // The settings table is typed by SettingValues; this one row is the backup module's own.
  else await db.settings.put({ key: RESTORE_MARKER_KEY, value: marker } as unknown as SettingRecord);
}
