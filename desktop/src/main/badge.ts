/**
 * The unread count outside the window: the dock badge on macOS and the
 * launcher badge on Linux desktops that support it (app.setBadgeCount), and a
 * tray icon whose tooltip (and title, where the tray shows one) carries the
 * count on Linux and Windows, where most docks and taskbars show no number.
 * Clicking the tray icon brings the window forward.
 */
import type { App, Tray } from 'electron';

export interface UnreadBadgeDeps {
  readonly app: Pick<App, 'setBadgeCount'>;
  readonly platform: NodeJS.Platform;
  /** Creates the tray icon (Linux and Windows only). */
  readonly createTray: () => Tray;
  readonly onTrayClick: () => void;
}

export function unreadLabel(count: number): string {
  if (count === 0) return 'Parley';
  return `Parley — ${count} unread ${count === 1 ? 'message' : 'messages'}`;
}

export class UnreadBadge {
  #tray: Tray | null = null;
  #count = 0;

  constructor(private readonly deps: UnreadBadgeDeps) {}

  get count(): number {
    return this.#count;
  }

  /** Creates the tray icon where the platform gets one. */
  start(): void {
    if (this.deps.platform === 'darwin' || this.#tray) return;
    this.#tray = this.deps.createTray();
    this.#tray.setToolTip(unreadLabel(this.#count));
    this.#tray.on('click', () => this.deps.onTrayClick());
  }

  set(count: number): void {
    this.#count = count;
    // False where unsupported (most Linux desktops, Windows): the tray below carries it there.
    this.deps.app.setBadgeCount(count);
    if (!this.#tray) return;
    this.#tray.setToolTip(unreadLabel(count));
    this.#tray.setTitle(count === 0 ? '' : String(count));
  }

  stop(): void {
    this.#tray?.destroy();
    this.#tray = null;
  }
}
