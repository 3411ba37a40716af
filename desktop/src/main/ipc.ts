/**
 * The main process's IPC: one channel for vault calls, five app channels,
 * and vault events pushed to the window. Every handler first checks that the
 * sender is our window's main frame on the app:// origin (ipc-checks.ts);
 * vault calls are then validated and run by dispatchVaultCall (the same
 * function the web shell uses), app calls are validated against their zod
 * schemas here. Answers are Results; nothing throws across the boundary.
 */
import { checkWire } from '@parley/crypto-core/wire';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { ApiErrorCode } from '../common/api-errors.js';
import { dispatchVaultCall } from '../common/dispatch.js';
import { type BridgeRelayAccess, type BridgeRelayCheck, IPC_CHANNELS } from '../common/preload-api.js';
import { fail, ok, type Result } from '../common/result.js';
import { type HostedVault, VAULT_EVENT_NAMES } from '../host/hosted-vault.js';
import { type AppArgs, type AppChannelName, appArgSchemas, type SenderFacts, senderProblem } from './ipc-checks.js';

/** What the app channels do once a call passed the checks. */
export interface AppActions {
  notify(notification: AppArgs<'notify'>[0]): void;
  setBadge(count: number): void;
  /** False when the URL is not one the system browser may get (only http(s)). */
  openExternal(url: string): boolean;
  /** Asks the user in main's own dialog (relay-gate.ts); the only way the request filter widens. */
  allowRelay(url: string): Promise<BridgeRelayAccess>;
  /** One bounded health request from main; allows nothing. */
  checkRelay(url: string): Promise<BridgeRelayCheck>;
}

export interface IpcOptions {
  readonly ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  readonly vault: HostedVault;
  /** The one window whose page may call us; null while there is none. */
  readonly trustedWebContents: () => WebContents | null;
  readonly actions: AppActions;
  readonly log: (line: string) => void;
}

function senderFacts(event: IpcMainInvokeEvent): SenderFacts {
  const frame = event.senderFrame;
  return { webContentsId: event.sender.id, frameUrl: frame?.url ?? null, isMainFrame: frame?.parent === null };
}

/** Registers every handler; returns a function that removes them and stops forwarding events. */
export function registerIpc(options: IpcOptions): () => void {
  const { ipcMain, vault, trustedWebContents, actions, log } = options;

  function refusal(event: IpcMainInvokeEvent, channel: string): Result<never> | null {
    const problem = senderProblem(senderFacts(event), trustedWebContents()?.id ?? null);
    if (problem === null) return null;
    log(`ipc: refused ${channel} (${problem})`);
    return fail(ApiErrorCode.Forbidden, 'this page may not call Parley');
  }

  ipcMain.handle(IPC_CHANNELS.vaultCall, async (event, method: unknown, args: unknown) => {
    return refusal(event, IPC_CHANNELS.vaultCall) ?? dispatchVaultCall(vault, method, args);
  });

  function handleApp<C extends AppChannelName>(
    name: C,
    channel: string,
    run: (args: AppArgs<C>) => Result<unknown> | Promise<Result<unknown>>,
  ): void {
    ipcMain.handle(channel, async (event, ...args: unknown[]) => {
      const refused = refusal(event, channel);
      if (refused) return refused;
      const parsed = checkWire(appArgSchemas[name], args);
      if (!parsed.ok) {
        return fail(ApiErrorCode.InvalidArgument, `invalid arguments for ${name}${parsed.where}: ${parsed.message}`);
      }
      return run(parsed.value as AppArgs<C>);
    });
  }

  handleApp('notify', IPC_CHANNELS.notify, ([notification]) => {
    actions.notify(notification);
    return ok(null);
  });
  handleApp('setBadge', IPC_CHANNELS.setBadge, ([count]) => {
    actions.setBadge(count);
    return ok(null);
  });
  handleApp('openExternal', IPC_CHANNELS.openExternal, ([url]) =>
    actions.openExternal(url)
      ? ok(null)
      : fail(ApiErrorCode.InvalidArgument, 'only http(s) links open outside the app'),
  );
  handleApp('allowRelay', IPC_CHANNELS.allowRelay, async ([url]) => ok(await actions.allowRelay(url)));
  handleApp('checkRelay', IPC_CHANNELS.checkRelay, async ([url]) => ok(await actions.checkRelay(url)));

  const unsubscribe = VAULT_EVENT_NAMES.map((name) =>
    vault.on(name, (payload) => trustedWebContents()?.send(IPC_CHANNELS.vaultEvent, name, payload)),
  );

  return () => {
    for (const off of unsubscribe) off();
    for (const channel of [
      IPC_CHANNELS.vaultCall,
      IPC_CHANNELS.notify,
      IPC_CHANNELS.setBadge,
      IPC_CHANNELS.openExternal,
      IPC_CHANNELS.allowRelay,
      IPC_CHANNELS.checkRelay,
    ]) {
      ipcMain.removeHandler(channel);
    }
  };
}
