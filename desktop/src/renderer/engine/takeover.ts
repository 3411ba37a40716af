/**
 * One identity, one active install (docs/protocol.md §3.1). When the relay
 * says another install registered this device (DEVICE_TAKEN_OVER: a backup
 * of this identity was restored on another computer), this copy can no
 * longer read what is sent to the identity and must not act for it: it stops
 * for good, and remembers so, so that a restart shows the same. Its history
 * stays readable. It never registers again by itself, which would take the
 * device back from the install the user restored on.
 *
 * Any path may be the first to hear it (the socket's handshake refusal or
 * `relay-error`, a send or ack answer, any HTTP route, a login); the latch
 * turns all of them into one retirement.
 */
import { RelayErrorCode } from '@parley/crypto-core/wire';
import type { EngineDatabase } from './database.js';

/** The settings row (SettingValues.takenOver) a taken-over profile keeps. */
export interface TakenOverRecord {
  /** When this copy learned it was taken over (ms). */
  readonly at: number;
}

export function isTakeoverCode(code: string | undefined): boolean {
  return code === RelayErrorCode.DeviceTakenOver;
}

export async function readTakenOver(db: EngineDatabase): Promise<TakenOverRecord | null> {
  return (await db.getSetting('takenOver')) ?? null;
}

export async function recordTakenOver(db: EngineDatabase, at: number): Promise<void> {
  if ((await readTakenOver(db)) === null) await db.putSetting('takenOver', { at });
}

/** Trips once, on the first DEVICE_TAKEN_OVER from wherever it comes. */
export class TakeoverLatch {
  #tripped = false;

  constructor(private readonly onTripped: () => void) {}

  get tripped(): boolean {
    return this.#tripped;
  }

  trip(): void {
    if (this.#tripped) return;
    this.#tripped = true;
    this.onTripped();
  }

  /** Trips when `code` says the device was taken over. */
  observe(code: string | undefined): void {
    if (isTakeoverCode(code)) this.trip();
  }
}
