/**
 * Launching Electron's main process (main.ts) in Node against a recorded fake
 * of electron, and reaching its handlers as Electron would call them: shared
 * by the main-process tests.
 */
import { join } from 'node:path';
import { vi } from 'vitest';
import { waitFor } from '../../support/wait.js';
import { createFakeElectron, type FakeElectron, type FakeElectronSettings } from './fake-electron.js';

export const RELAY = 'http://127.0.0.1:7447';

export class MainLauncher {
  #launches = 0;

  /** `root`: a temporary folder that holds every launch's profile. */
  constructor(readonly root: string) {}

  /** Imports main.ts afresh with its own fake Electron and profile, and waits until it has loaded the window. */
  async launch(settings: Partial<FakeElectronSettings> = {}): Promise<{ fake: FakeElectron; profile: string }> {
    this.#launches++;
    const profile = join(this.root, `profile-${this.#launches}`);
    const fake = createFakeElectron({
      userDataDir: join(this.root, 'default-user-data'),
      singleInstanceLock: true,
      storageBackend: 'gnome_libsecret',
      encryptionAvailable: true,
      notificationsSupported: true,
      ...settings,
    });
    vi.resetModules();
    vi.doMock('electron', () => fake.electron);
    process.argv = ['electron', '.', `--parley-profile=${profile}`, `--parley-relay=${RELAY}`];
    await import('../../../src/main/main.js');
    if (settings.singleInstanceLock !== false) {
      await waitFor('the window to load', () => fake.windows[0]?.loadedUrl ?? null);
    }
    return { fake, profile };
  }
}

/** An IPC event as Electron would build it for a page in `window`. */
export function eventFrom(
  fake: FakeElectron,
  options: { windowIndex?: number; url?: string; subframe?: boolean } = {},
) {
  const window = fake.windows[options.windowIndex ?? 0];
  if (!window) throw new Error('no window');
  return {
    sender: window.webContents,
    senderFrame: { url: options.url ?? 'app://parley/index.html', parent: options.subframe ? {} : null },
  };
}

/** Main's request filter as a function: may the session make this request? */
export function requestFilter(fake: FakeElectron): (url: string) => Promise<boolean> {
  const filter = fake.sessionHandlers.beforeRequest;
  if (!filter) throw new Error('no request filter');
  return (url) => new Promise<boolean>((resolve) => filter({ url }, ({ cancel }) => resolve(!cancel)));
}

/** Main's app:// handler. */
export function appServer(fake: FakeElectron): (request: Request) => Promise<Response> {
  const serve = fake.protocolHandlers.get('app');
  if (!serve) throw new Error('no app:// handler');
  return serve;
}

export function handler(fake: FakeElectron, channel: string) {
  const found = fake.ipcHandlers.get(channel);
  if (!found) throw new Error(`no handler for ${channel}`);
  return found;
}
