/**
 * Message notifications from the main process (Electron's Notification, the
 * OS's own centre). A click brings the window forward and tells the page
 * which conversation to open. Whether to notify at all (not for the
 * conversation the user is reading, the setting) is the UI's decision.
 */
import type { BrowserWindow, Notification as ElectronNotification, NotificationConstructorOptions } from 'electron';
import { IPC_CHANNELS } from '../common/preload-api.js';

export interface NotificationDeps {
  readonly createNotification: (options: NotificationConstructorOptions) => ElectronNotification;
  readonly isSupported: () => boolean;
  readonly window: () => BrowserWindow | null;
}

export function focusWindow(window: BrowserWindow): void {
  if (window.isMinimized()) window.restore();
  if (!window.isVisible()) window.show();
  window.focus();
}

export class MessageNotifier {
  /** Held until closed or clicked: a collected Notification loses its click handler on some platforms. */
  readonly #shown = new Set<ElectronNotification>();

  constructor(private readonly deps: NotificationDeps) {}

  show(message: { title: string; body: string; conversationId: string }): void {
    if (!this.deps.isSupported()) return;
    const notification = this.deps.createNotification({ title: message.title, body: message.body, silent: false });
    this.#shown.add(notification);
    notification.on('click', () => {
      this.#shown.delete(notification);
      const window = this.deps.window();
      if (!window || window.isDestroyed()) return;
      focusWindow(window);
      window.webContents.send(IPC_CHANNELS.notificationClick, message.conversationId);
    });
    notification.on('close', () => this.#shown.delete(notification));
    notification.show();
  }
}
