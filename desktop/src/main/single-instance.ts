/**
 * One running app per profile: a second launch hands over to the first
 * (which comes forward) and quits. Electron's lock is per userData folder,
 * so two profiles (--parley-profile) can run side by side.
 */
import type { App } from 'electron';

/** False when another instance holds the lock: the caller must quit at once. */
export function acquireSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'on'>,
  onSecondInstance: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) return false;
  app.on('second-instance', () => onSecondInstance());
  return true;
}
