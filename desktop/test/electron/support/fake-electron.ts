/**
 * A stand-in for the 'electron' module (which cannot load here: requiring it
 * tries to download the runtime). It records what the main process asks of
 * Electron (window options, protocol handlers, IPC handlers, permission
 * handlers, request filter...) so tests can assert on them, and lets a test
 * play Electron's part (fire app events, call an IPC handler as a page would).
 */
import { EventEmitter } from 'node:events';

type Listener = (...args: never[]) => unknown;

export interface FakeElectronSettings {
  userDataDir: string;
  singleInstanceLock: boolean;
  storageBackend: 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown';
  encryptionAvailable: boolean;
  notificationsSupported: boolean;
}

export class FakeWebContents extends EventEmitter {
  readonly sent: unknown[][] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  readonly mainFrame = { url: 'app://parley/index.html', parent: null };
  constructor(readonly id: number) {
    super();
  }
  send(...args: unknown[]): void {
    this.sent.push(args);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
}

export function createFakeElectron(settings: FakeElectronSettings) {
  const appEvents = new EventEmitter();
  const windows: FakeBrowserWindow[] = [];
  const notifications: FakeNotification[] = [];
  const trays: FakeTray[] = [];
  const ipcHandlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const protocolHandlers = new Map<string, (request: Request) => Promise<Response>>();
  const calls = {
    privilegedSchemes: [] as unknown[],
    setPath: [] as [string, string][],
    badgeCounts: [] as number[],
    openedExternally: [] as string[],
    /** The options of every message box main showed, and the window it was shown over. */
    dialogs: [] as unknown[],
    dialogParents: [] as unknown[],
    /** The buttons the user presses, in order (their indexes); when none is left, the first button. */
    dialogAnswers: [] as number[],
    quit: 0,
  };
  const sessionHandlers: {
    permissionRequest: ((...args: unknown[]) => void) | null;
    permissionCheck: ((...args: unknown[]) => boolean) | null;
    devicePermission: ((...args: unknown[]) => boolean) | null;
    beforeRequest: ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void) | null;
  } = { permissionRequest: null, permissionCheck: null, devicePermission: null, beforeRequest: null };

  let nextWebContentsId = 1;
  class FakeBrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents(nextWebContentsId++);
    loadedUrl: string | null = null;
    shown = false;
    focused = 0;
    destroyed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      appEvents.emit('web-contents-created', {}, this.webContents);
    }
    async loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
    }
    show(): void {
      this.shown = true;
    }
    focus(): void {
      this.focused++;
    }
    restore(): void {}
    isMinimized(): boolean {
      return false;
    }
    isVisible(): boolean {
      return this.shown;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
  }

  class FakeNotification extends EventEmitter {
    shown = false;
    static isSupported(): boolean {
      return settings.notificationsSupported;
    }
    constructor(readonly options: { title: string; body: string }) {
      super();
      notifications.push(this);
    }
    show(): void {
      this.shown = true;
    }
  }

  class FakeTray extends EventEmitter {
    toolTip = '';
    title = '';
    destroyed = false;
    constructor(readonly image: unknown) {
      super();
      trays.push(this);
    }
    setToolTip(text: string): void {
      this.toolTip = text;
    }
    setTitle(text: string): void {
      this.title = text;
    }
    destroy(): void {
      this.destroyed = true;
    }
  }

  const electron = {
    app: {
      isPackaged: false,
      setPath: (name: string, path: string) => calls.setPath.push([name, path]),
      getPath: (name: string) => {
        if (name !== 'userData') throw new Error(`unexpected getPath(${name})`);
        return calls.setPath.findLast(([key]) => key === 'userData')?.[1] ?? settings.userDataDir;
      },
      requestSingleInstanceLock: () => settings.singleInstanceLock,
      on: (event: string, listener: Listener) => appEvents.on(event, listener as (...args: unknown[]) => void),
      whenReady: () => Promise.resolve(),
      setBadgeCount: (count: number) => {
        calls.badgeCounts.push(count);
        return true;
      },
      quit: () => {
        calls.quit++;
      },
      exit: (code: number) => {
        throw new Error(`app.exit(${code})`);
      },
    },
    BrowserWindow: FakeBrowserWindow,
    Notification: FakeNotification,
    Tray: FakeTray,
    nativeImage: { createFromPath: (path: string) => ({ path, resize: () => ({ path }) }) },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => calls.privilegedSchemes.push(...schemes),
      handle: (scheme: string, handler: (request: Request) => Promise<Response>) =>
        protocolHandlers.set(scheme, handler),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: (...args: unknown[]) => void) => {
          sessionHandlers.permissionRequest = handler;
        },
        setPermissionCheckHandler: (handler: (...args: unknown[]) => boolean) => {
          sessionHandlers.permissionCheck = handler;
        },
        setDevicePermissionHandler: (handler: (...args: unknown[]) => boolean) => {
          sessionHandlers.devicePermission = handler;
        },
        webRequest: {
          onBeforeRequest: (handler: NonNullable<typeof sessionHandlers.beforeRequest>) => {
            sessionHandlers.beforeRequest = handler;
          },
        },
      },
    },
    safeStorage: {
      getSelectedStorageBackend: () => settings.storageBackend,
      isAsyncEncryptionAvailable: async () => settings.encryptionAvailable,
      // Reversible and visibly not the plaintext: enough to see the vault use it.
      encryptStringAsync: async (text: string) => Buffer.from(`sealed:${text}`, 'utf8').reverse(),
      decryptStringAsync: async (blob: Buffer) => {
        const text = Buffer.from(blob).reverse().toString('utf8');
        if (!text.startsWith('sealed:')) throw new Error('not sealed by this keychain');
        return { shouldReEncrypt: false, result: text.slice('sealed:'.length) };
      },
    },
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => unknown) => {
        if (ipcHandlers.has(channel)) throw new Error(`a second handler for ${channel}`);
        ipcHandlers.set(channel, handler);
      },
      removeHandler: (channel: string) => ipcHandlers.delete(channel),
    },
    shell: {
      openExternal: async (url: string) => {
        calls.openedExternally.push(url);
      },
    },
    dialog: {
      showMessageBox: async (window: unknown, options: unknown) => {
        calls.dialogs.push(options);
        calls.dialogParents.push(window);
        return { response: calls.dialogAnswers.shift() ?? 0, checkboxChecked: false };
      },
    },
  };

  return { electron, appEvents, windows, notifications, trays, ipcHandlers, protocolHandlers, sessionHandlers, calls };
}
export type FakeElectron = ReturnType<typeof createFakeElectron>;
