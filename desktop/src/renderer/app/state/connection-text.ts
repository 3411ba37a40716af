/** What the connection bar says (UI.md: only when not online; the composer always works). */
import type { ConnectionStatus } from '../../engine/index.js';

export interface ConnectionBannerText {
  readonly state: 'connecting' | 'offline';
  readonly text: string;
}

/** Null while online: the bar is then not shown at all. */
export function connectionBannerText(status: ConnectionStatus): ConnectionBannerText | null {
  switch (status.state) {
    case 'online':
      return null;
    case 'connecting':
      return { state: 'connecting', text: 'Connecting…' };
    case 'offline': {
      const queued = status.queuedMessages;
      if (queued <= 0) return { state: 'offline', text: 'Offline' };
      const what = queued === 1 ? '1 message will send' : `${queued} messages will send`;
      return { state: 'offline', text: `Offline — ${what} when you're back` };
    }
  }
}

/** A short word for the account header's status dot. */
export function connectionLabel(status: ConnectionStatus): string {
  switch (status.state) {
    case 'online':
      return 'Online';
    case 'connecting':
      return 'Connecting';
    case 'offline':
      return 'Offline';
  }
}
