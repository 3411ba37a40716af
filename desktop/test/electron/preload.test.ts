/**
 * The preload as Electron's sandbox runs it: compiled to CommonJS the way
 * tsc emits it, inside the wrapper Electron's sandboxed renderer uses, with a
 * `require` that knows only 'electron' (a sandboxed preload cannot load
 * anything else). It must expose exactly one frozen object, speak exactly
 * the channels of IPC_CHANNELS, and never hand the IPC event (and with it
 * ipcRenderer) to the page.
 */
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNELS, type ParleyBridge, PRELOAD_GLOBAL_NAME } from '../../src/common/preload-api.js';

const PRELOAD_SOURCE = new URL('../../src/preload/preload.cts', import.meta.url);

interface Exposed {
  readonly name: string;
  readonly api: ParleyBridge;
}

function loadPreload() {
  const exposed: Exposed[] = [];
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const ipcRenderer = {
    invoke: async (...args: unknown[]) => {
      invoked.push(args);
      return { ok: true, value: null };
    },
    on: (channel: string, listener: (...args: unknown[]) => void) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener: (channel: string, listener: (...args: unknown[]) => void) =>
      listeners.get(channel)?.delete(listener),
    // Present so a leak would be visible: the page must never get hold of it.
    send: () => {
      throw new Error('ipcRenderer.send must not be reachable');
    },
  };
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: ParleyBridge) => exposed.push({ name, api }) },
    ipcRenderer,
  };
  const compiled = ts.transpileModule(readFileSync(PRELOAD_SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    fileName: 'preload.cts',
  }).outputText;
  const required: string[] = [];
  // Electron's sandboxed renderer runs a preload inside exactly this wrapper, in the page's realm.
  const wrapped = runInNewContext(
    `(function (require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {\n${compiled}\n})`,
    {},
  ) as (...args: unknown[]) => void;
  const module = { exports: {} };
  const sandboxRequire = (id: string) => {
    required.push(id);
    if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
    return electron;
  };
  wrapped(sandboxRequire, {}, undefined, {}, undefined, undefined, module.exports, module);
  const emit = (channel: string, ...args: unknown[]) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: ipcRenderer }, ...args);
  };
  return { exposed, invoked, listeners, required, emit };
}

describe('the preload', () => {
  let loaded: ReturnType<typeof loadPreload>;
  let api: ParleyBridge;
  beforeAll(() => {
    loaded = loadPreload();
    const first = loaded.exposed[0];
    if (!first) throw new Error('nothing exposed');
    api = first.api;
  });

  it('requires nothing but electron and exposes exactly one frozen object, window.parley', () => {
    expect(loaded.required).toEqual(['electron']);
    expect(loaded.exposed.map(({ name }) => name)).toEqual([PRELOAD_GLOBAL_NAME]);
    expect(Object.keys(api).sort()).toEqual(['app', 'vault']);
    expect(Object.keys(api.vault).sort()).toEqual(['call', 'onEvent']);
    expect(Object.keys(api.app).sort()).toEqual([
      'allowRelay',
      'checkRelay',
      'notify',
      'onNotificationClick',
      'openExternal',
      'setBadge',
    ]);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.vault)).toBe(true);
    expect(Object.isFrozen(api.app)).toBe(true);
  });

  it('invokes exactly the channels main handles, with the arguments unchanged', async () => {
    await api.vault.call('getStatus', {});
    await api.app.notify({ title: 'Alice', body: 'Hi', conversationId: 'c1' });
    await api.app.setBadge(2);
    await api.app.openExternal('https://example.org');
    await api.app.allowRelay('https://relay.example.org');
    await api.app.checkRelay('https://relay.example.org');
    expect(loaded.invoked).toEqual([
      [IPC_CHANNELS.vaultCall, 'getStatus', {}],
      [IPC_CHANNELS.notify, { title: 'Alice', body: 'Hi', conversationId: 'c1' }],
      [IPC_CHANNELS.setBadge, 2],
      [IPC_CHANNELS.openExternal, 'https://example.org'],
      [IPC_CHANNELS.allowRelay, 'https://relay.example.org'],
      [IPC_CHANNELS.checkRelay, 'https://relay.example.org'],
    ]);
  });

  it('passes events on without the IPC event, and unsubscribes', () => {
    const events: unknown[][] = [];
    const clicks: unknown[][] = [];
    const offEvents = api.vault.onEvent((...args) => events.push(args));
    const offClicks = api.app.onNotificationClick((...args) => clicks.push(args));
    loaded.emit(IPC_CHANNELS.vaultEvent, 'locked', {});
    loaded.emit(IPC_CHANNELS.notificationClick, 'c1');
    expect(events).toEqual([['locked', {}]]);
    expect(clicks).toEqual([['c1']]);
    offEvents();
    offClicks();
    loaded.emit(IPC_CHANNELS.vaultEvent, 'locked', {});
    loaded.emit(IPC_CHANNELS.notificationClick, 'c2');
    expect(events).toHaveLength(1);
    expect(clicks).toHaveLength(1);
    expect(loaded.listeners.get(IPC_CHANNELS.vaultEvent)?.size).toBe(0);
  });
});
