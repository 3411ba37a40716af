/**
 * The vault's records in memory, with an undo log for the changes of the
 * operation in progress.
 *
 * While unlocked, every record lives here decoded (reads never touch the disk
 * or decrypt anything: libsignal reads a session on every message). Changes
 * are applied in place and logged; `changes()` lists what the operation
 * touched so durable-records.ts can write it in one transaction, and
 * `rollbackTo` undoes back to a savepoint, so a failed envelope inside a
 * batch, or a failed commit, leaves memory exactly as the disk has it.
 */
import type { RecordKind } from './record-kinds.js';

/** Separates key parts; no key part (account ids, numbers, UUIDs, canonical URLs) contains it. */
const SEPARATOR = '\u001f';

export interface RecordEntry {
  readonly kind: RecordKind<unknown>;
  readonly parts: readonly string[];
  readonly value: unknown;
}

export type KeyPart = string | number;

export function logicalKey(kind: RecordKind<unknown>, parts: readonly KeyPart[]): string {
  return parts.length === 0 ? kind.name : `${kind.name}${SEPARATOR}${parts.join(SEPARATOR)}`;
}

/** Splits a logical key back into kind name and parts. */
export function parseLogicalKey(key: string): { kindName: string; parts: string[] } {
  const [kindName = '', ...parts] = key.split(SEPARATOR);
  return { kindName, parts };
}

function groupKey(kindName: string, firstPart: string): string {
  return `${kindName}${SEPARATOR}${firstPart}`;
}

interface UndoStep {
  readonly key: string;
  readonly previous: RecordEntry | undefined;
}

export class StagedRecords {
  readonly #entries = new Map<string, RecordEntry>();
  /** Records by (kind, first key part): sessions of an account, replay records of a Kyber key, ... */
  readonly #groups = new Map<string, Set<string>>();
  #undo: UndoStep[] | null = null;
  readonly #touched = new Set<string>();

  get size(): number {
    return this.#entries.size;
  }

  get<V>(kind: RecordKind<V>, ...parts: KeyPart[]): V | undefined {
    const entry = this.#entries.get(logicalKey(kind as RecordKind<unknown>, parts));
    // Entries are only ever stored under their own kind's logical key.
    return entry === undefined ? undefined : (entry.value as V);
  }

  has(kind: RecordKind<unknown>, ...parts: KeyPart[]): boolean {
    return this.#entries.has(logicalKey(kind, parts));
  }

  /** The remaining key parts of every record of `kind` whose first part is `firstPart`. */
  partsInGroup(kind: RecordKind<unknown>, firstPart: KeyPart): string[][] {
    const keys = this.#groups.get(groupKey(kind.name, String(firstPart)));
    if (keys === undefined) return [];
    const found: string[][] = [];
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry !== undefined) found.push(entry.parts.slice(1));
    }
    return found;
  }

  /** Every record of `kind` (for scans that happen rarely, e.g. purging old cache rows). */
  entriesOfKind(kind: RecordKind<unknown>): RecordEntry[] {
    const found: RecordEntry[] = [];
    for (const entry of this.#entries.values()) if (entry.kind === kind) found.push(entry);
    return found;
  }

  /** Puts a record read from disk (at unlock; not a change). */
  load(kind: RecordKind<unknown>, parts: readonly string[], value: unknown): void {
    this.#put(logicalKey(kind, parts), { kind, parts, value });
  }

  set<V>(kind: RecordKind<V>, parts: readonly KeyPart[], value: V): void {
    const anyKind = kind as RecordKind<unknown>;
    this.#change(logicalKey(anyKind, parts), { kind: anyKind, parts: parts.map(String), value });
  }

  delete(kind: RecordKind<unknown>, ...parts: KeyPart[]): void {
    const key = logicalKey(kind, parts);
    if (this.#entries.has(key)) this.#change(key, undefined);
  }

  begin(): void {
    if (this.#undo !== null) throw new Error('a vault operation is already staging changes');
    this.#undo = [];
    this.#touched.clear();
  }

  get staging(): boolean {
    return this.#undo !== null;
  }

  savepoint(): number {
    return this.#requireUndo().length;
  }

  rollbackTo(mark: number): void {
    const undo = this.#requireUndo();
    while (undo.length > mark) {
      const step = undo.pop();
      if (step === undefined) break;
      if (step.previous === undefined) this.#remove(step.key);
      else this.#put(step.key, step.previous);
    }
  }

  /** Each record the operation touched, with its entry now (undefined: deleted). */
  changes(): Array<{ key: string; entry: RecordEntry | undefined }> {
    return [...this.#touched].map((key) => ({ key, entry: this.#entries.get(key) }));
  }

  /** The changes are durable: forget the undo log. */
  end(): void {
    this.#undo = null;
    this.#touched.clear();
  }

  /** Undoes every change of the operation (its commit failed or it threw). */
  abort(): void {
    if (this.#undo === null) return;
    this.rollbackTo(0);
    this.end();
  }

  clear(): void {
    this.#entries.clear();
    this.#groups.clear();
    this.#undo = null;
    this.#touched.clear();
  }

  #requireUndo(): UndoStep[] {
    if (this.#undo === null) throw new Error('vault records change only inside an operation');
    return this.#undo;
  }

  #change(key: string, entry: RecordEntry | undefined): void {
    this.#requireUndo().push({ key, previous: this.#entries.get(key) });
    this.#touched.add(key);
    if (entry === undefined) this.#remove(key);
    else this.#put(key, entry);
  }

  #put(key: string, entry: RecordEntry): void {
    this.#entries.set(key, entry);
    const first = entry.parts[0];
    if (first === undefined) return;
    const group = groupKey(entry.kind.name, first);
    let keys = this.#groups.get(group);
    if (keys === undefined) {
      keys = new Set();
      this.#groups.set(group, keys);
    }
    keys.add(key);
  }

  #remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    const first = entry.parts[0];
    if (first === undefined) return;
    const group = groupKey(entry.kind.name, first);
    const keys = this.#groups.get(group);
    keys?.delete(key);
    if (keys?.size === 0) this.#groups.delete(group);
  }
}
