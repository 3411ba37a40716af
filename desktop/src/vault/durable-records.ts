/**
 * The vault's records: read from memory (staged-records.ts), written to the
 * database (vault-database.ts) as sealed rows (sealed-rows.ts).
 *
 * Atomicity: every change happens inside `transaction(work)`. The changes
 * `work` makes are staged in memory (reads see them at once), and when it
 * returns they are sealed and written in ONE SQLite transaction; only then
 * does `transaction` return. If `work` throws or the write fails, memory is
 * rolled back to what the disk holds. So an operation's effects (a decrypt
 * batch's ratchet steps and its plaintexts, an encrypt's ratchet step before
 * its ciphertext leaves) are on disk together or not at all, and a kill -9 at
 * any instant leaves the last committed state.
 */
import { RECORD_KINDS_BY_NAME, type RecordKind } from './record-kinds.js';
import type { OpenedRow, RowSealer } from './sealed-rows.js';
import { type KeyPart, parseLogicalKey, StagedRecords } from './staged-records.js';
import type { SealedRow, VaultDatabase } from './vault-database.js';
import { vaultDamagedError, vaultFromNewerVersionError } from './vault-errors.js';

export class DurableRecords {
  readonly #records: StagedRecords;
  readonly #database: VaultDatabase;
  readonly #sealer: RowSealer;

  private constructor(records: StagedRecords, database: VaultDatabase, sealer: RowSealer) {
    this.#records = records;
    this.#database = database;
    this.#sealer = sealer;
  }

  /**
   * Reads and opens every row. A row that fails to authenticate or does not
   * parse refuses the unlock (VAULT_DAMAGED, naming the kind when the row
   * opened): running without a session or a prekey would silently break
   * conversations, so nothing is skipped. A row of a kind this build does not
   * know refuses it with VAULT_FROM_NEWER_VERSION.
   */
  static async load(database: VaultDatabase, sealer: RowSealer): Promise<DurableRecords> {
    const records = new StagedRecords();
    for (const row of database.readAll()) {
      let opened: OpenedRow;
      try {
        opened = await sealer.open(row.id, row.sealed);
      } catch (error) {
        throw vaultDamagedError(null, 'it does not open with the vault key', error);
      }
      const { kindName, parts } = parseLogicalKey(opened.logicalKey);
      const kind = RECORD_KINDS_BY_NAME.get(kindName);
      // The row opened with this vault's key, so a Parley wrote it: one that knows more kinds.
      if (kind === undefined) throw vaultFromNewerVersionError(`record kind "${kindName}" is unknown to this build`);
      try {
        records.load(kind, parts, kind.decode(opened.payload));
      } catch (error) {
        throw vaultDamagedError(kindName, 'its value does not parse', error);
      }
    }
    return new DurableRecords(records, database, sealer);
  }

  get size(): number {
    return this.#records.size;
  }

  get<V>(kind: RecordKind<V>, ...parts: KeyPart[]): V | undefined {
    return this.#records.get(kind, ...parts);
  }

  has(kind: RecordKind<unknown>, ...parts: KeyPart[]): boolean {
    return this.#records.has(kind, ...parts);
  }

  partsInGroup(kind: RecordKind<unknown>, firstPart: KeyPart): string[][] {
    return this.#records.partsInGroup(kind, firstPart);
  }

  entriesOfKind<V>(kind: RecordKind<V>): Array<{ parts: readonly string[]; value: V }> {
    // Entries of a kind hold values of that kind (see StagedRecords.get).
    return this.#records
      .entriesOfKind(kind as RecordKind<unknown>)
      .map((entry) => ({ parts: entry.parts, value: entry.value as V }));
  }

  /** Stages a change; only inside `transaction`. */
  set<V>(kind: RecordKind<V>, parts: readonly KeyPart[], value: V): void {
    this.#records.set(kind, parts, value);
  }

  /** Stages a deletion; only inside `transaction`. */
  delete(kind: RecordKind<unknown>, ...parts: KeyPart[]): void {
    this.#records.delete(kind, ...parts);
  }

  /** Marks the staged state, to undo one step of a batch (a failed envelope) without the rest. */
  savepoint(): number {
    return this.#records.savepoint();
  }

  rollbackTo(mark: number): void {
    this.#records.rollbackTo(mark);
  }

  get inTransaction(): boolean {
    return this.#records.staging;
  }

  /** Runs `work` with its changes staged, then commits them durably in one database transaction. */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    this.#records.begin();
    try {
      const result = await work();
      await this.#commit();
      this.#records.end();
      return result;
    } catch (error) {
      this.#records.abort();
      throw error;
    }
  }

  async #commit(): Promise<void> {
    const upserts: SealedRow[] = [];
    const deletes: Uint8Array[] = [];
    for (const { key, entry } of this.#records.changes()) {
      const id = this.#sealer.rowId(key);
      if (entry === undefined) deletes.push(id);
      else upserts.push({ id, sealed: await this.#sealer.seal(id, key, entry.kind.encode(entry.value)) });
    }
    this.#database.write(upserts, deletes);
  }

  /** Forgets everything in memory (lock). The database stays as committed. */
  clear(): void {
    this.#records.clear();
  }
}
