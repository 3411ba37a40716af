/**
 * The chat view benchmark page (desktop/bench/ui-bench.ts drives it through
 * Playwright): the real Engine on the browser's IndexedDB with the vault
 * behind the web shell, a conversation of N messages seeded as the engine
 * stores them, and the app's ChatView mounted on it, with the app's theme.
 * It exposes a few calls on `window.parleyUiBench`.
 */
// First: schemas defined by later imports must not probe `new Function` (a CSP report without 'unsafe-eval').
import '../../app/zod-without-eval.js';
import '../../app/styles/theme.css';
import '../../app/styles/base.css';
import type { AccountId } from '@parley/crypto-core/wire';
import { mount, unmount } from 'svelte';
import { createVaultClient, type VaultClient } from '../../../common/invoke.js';
import ChatView from '../../app/chat/ChatView.svelte';
import { Engine } from '../../engine/index.js';
import { selectPlatform } from '../../platform/select-platform.js';
import { selectTransport } from '../../transport/select-transport.js';
import { WebSocketTransport } from '../../transport/web-socket-transport.js';
import { type FrameFigures, FrameProbe, nextFrame } from './frame-probe.js';
import { type SeedResult, seedHistory } from './seed-history.js';
import {
  addMessage,
  markNewestUnread,
  type NewMessage,
  recordingPlatform,
  recordRetries,
  setPeerTyping,
  type ViewRecord,
} from './view-harness.js';

export interface OpenFigures {
  /** ms from mount() to the first animation frame with message rows in the DOM (they paint in it). */
  readonly openMs: number;
  /** Message rows in the DOM at that frame. */
  readonly rowsRendered: number;
}

export interface ScrollFigures extends FrameFigures {
  readonly direction: 'up' | 'down';
  /** The oldest (up) or newest (down) message was reached. */
  readonly reachedEnd: boolean;
  readonly durationMs: number;
  readonly scrolledPx: number;
  /** Most message rows in the DOM at once (virtualisation keeps this small). */
  readonly rowsInDomMax: number;
  /** Span of message numbers rendered on the way. */
  readonly messagesCovered: number;
  /** The JS heap in use at the end (Chromium's performance.memory; 0 where absent). */
  readonly heapUsedMb: number;
}

function heapUsedMb(): number {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return memory === undefined ? 0 : Math.round(memory.usedJSHeapSize / 1_048_576);
}

export interface ParleyUiBench {
  /** What the view asked for since open(). */
  record(): ViewRecord;
  addMessage(message: NewMessage): Promise<string>;
  /** A stored message's state (what read marking wrote), or null when there is none. */
  messageState(messageId: string): Promise<string | null>;
  markNewestUnread(count: number): Promise<void>;
  setPeerTyping(typing: boolean): void;
  createAccount(relayUrl: string, passphrase: string): Promise<{ accountId: AccountId; deviceId: number }>;
  seed(messages: number): Promise<SeedResult & { counted: number }>;
  open(): Promise<OpenFigures>;
  scroll(direction: 'up' | 'down', stepPx: number, timeoutMs: number): Promise<ScrollFigures>;
  /** CSP violations reported on this page so far. */
  cspViolations(): string[];
  close(): Promise<void>;
}

declare global {
  interface Window {
    parleyUiBench?: ParleyUiBench;
  }
}

const violations: string[] = [];
document.addEventListener('securitypolicyviolation', (event) => {
  violations.push(
    `${event.violatedDirective}: ${event.blockedURI || event.sample} at ${event.sourceFile}:${event.lineNumber}`,
  );
});

let vault: Promise<VaultClient> | null = null;
let engine: Engine | null = null;
let conversationId: string | null = null;
let messages = 0;
let record: ViewRecord = { contactOpened: 0, openedLinks: [], retried: [] };
let view: ReturnType<typeof mount> | null = null;

/** The vault through the web shell's WebSocket (or Electron's bridge), connected once. */
function vaultClient(): Promise<VaultClient> {
  vault ??= (async () => {
    const transport = selectTransport();
    if (transport instanceof WebSocketTransport) await transport.connect();
    return createVaultClient(transport);
  })();
  return vault;
}

function running(): Engine {
  if (engine === null) throw new Error('no account yet');
  return engine;
}

function ownAccount(): AccountId {
  const account = running().account;
  if (account === null) throw new Error('the engine has no account');
  return account.accountId;
}

function container(): HTMLElement {
  const element = document.getElementById('app');
  if (element === null) throw new Error('index.html lacks #app');
  return element;
}

function scroller(): HTMLElement {
  const element = document.querySelector('[role="list"][aria-label="Messages"]')?.parentElement;
  if (!(element instanceof HTMLElement)) throw new Error('the history is not rendered');
  return element;
}

/** The number a seeded body starts with, "[123] ...". */
function rowNumber(element: Element | null | undefined): number | null {
  const match = /^\[(\d+)\]/.exec(element?.textContent ?? '');
  return match?.[1] === undefined ? null : Number(match[1]);
}

function renderedNumbers(): { first: number | null; last: number | null; rows: number } {
  const texts = container().querySelectorAll('[data-testid="message-text"]');
  return { first: rowNumber(texts[0]), last: rowNumber(texts[texts.length - 1]), rows: texts.length };
}

window.parleyUiBench = {
  async createAccount(relayUrl, passphrase) {
    const created = new Engine({ vault: await vaultClient() });
    engine = created;
    const summary = await created.createAccount({ relayUrl, passphrase });
    return { accountId: summary.accountId, deviceId: summary.deviceId };
  },

  async seed(count) {
    const current = running();
    const result = await seedHistory(current.database, count, {
      ownAccount: ownAccount(),
      now: Date.now(),
    });
    conversationId = result.conversationId;
    messages = count;
    return { ...result, counted: await current.queries.messageCount(result.conversationId) };
  },

  async open() {
    const current = running();
    if (conversationId === null) throw new Error('seed first');
    const target = container();
    const started = performance.now();
    const opened: ViewRecord = { contactOpened: 0, openedLinks: [], retried: [] };
    record = opened;
    recordRetries(current, opened);
    view = mount(ChatView, {
      target,
      props: {
        engine: current,
        conversationId,
        platform: recordingPlatform(selectPlatform(), opened),
        onOpenContact: () => {
          opened.contactOpened++;
        },
        onBack: () => {},
      },
    });
    for (;;) {
      await nextFrame();
      const rows = target.querySelectorAll('[data-testid="message"]').length;
      if (rows > 0) return { openMs: performance.now() - started, rowsRendered: rows };
      if (performance.now() - started > 30_000) throw new Error('no rows within 30 s of mounting');
    }
  },

  async scroll(direction, stepPx, timeoutMs) {
    const probe = new FrameProbe();
    probe.start();
    const started = performance.now();
    const oldest = 0;
    const newest = messages - 1;
    let scrolledPx = 0;
    let rowsInDomMax = 0;
    let lowest = Number.POSITIVE_INFINITY;
    let highest = Number.NEGATIVE_INFINITY;
    let previousTop: number | null = null;
    let reachedEnd = false;
    while (performance.now() - started < timeoutMs) {
      probe.frame(await nextFrame());
      const element = scroller();
      const top = element.scrollTop;
      if (previousTop !== null) scrolledPx += Math.abs(top - previousTop);
      const rendered = renderedNumbers();
      rowsInDomMax = Math.max(rowsInDomMax, rendered.rows);
      for (const n of [rendered.first, rendered.last]) {
        if (n === null) continue;
        lowest = Math.min(lowest, n);
        highest = Math.max(highest, n);
      }
      const atTop = top <= 0;
      const atBottom = top + element.clientHeight >= element.scrollHeight - 2;
      if (direction === 'up' ? atTop && rendered.first === oldest : atBottom && rendered.last === newest) {
        reachedEnd = true;
        break;
      }
      element.scrollTop = direction === 'up' ? top - stepPx : top + stepPx;
      previousTop = top;
    }
    const durationMs = performance.now() - started;
    return {
      ...probe.stop(),
      direction,
      reachedEnd,
      durationMs: Math.round(durationMs),
      scrolledPx: Math.round(scrolledPx),
      rowsInDomMax,
      messagesCovered: Number.isFinite(lowest) ? highest - lowest + 1 : 0,
      heapUsedMb: heapUsedMb(),
    };
  },

  record() {
    return record;
  },

  addMessage(message) {
    if (conversationId === null) throw new Error('seed first');
    return addMessage(running(), conversationId, ownAccount(), message);
  },

  async messageState(messageId) {
    return (await running().database.messages.get(messageId))?.state ?? null;
  },

  markNewestUnread(count) {
    if (conversationId === null) throw new Error('seed first');
    return markNewestUnread(running(), conversationId, count);
  },

  setPeerTyping(typing) {
    if (conversationId === null) throw new Error('seed first');
    setPeerTyping(running(), conversationId, typing);
  },

  cspViolations() {
    return [...violations];
  },

  async close() {
    if (view !== null) await unmount(view);
    view = null;
    const current = engine;
    engine = null;
    if (current !== null) await current.stop();
  },
};
