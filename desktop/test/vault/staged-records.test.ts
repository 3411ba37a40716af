import { describe, expect, it } from 'vitest';
import { RecordKinds } from '../../src/vault/record-kinds.js';
import { StagedRecords } from '../../src/vault/staged-records.js';

const session = RecordKinds.session;
const bytes = (value: number) => new Uint8Array([value]);

describe('staged records (the in-memory half of a vault transaction)', () => {
  it('changes only inside an operation, and lists what the operation touched', () => {
    const records = new StagedRecords();
    records.load(session, ['alice', '1'], bytes(1));
    expect(() => records.set(session, ['alice', 2], bytes(2))).toThrow();
    records.begin();
    records.set(session, ['alice', 2], bytes(2));
    records.delete(session, 'alice', 1);
    expect(records.get(session, 'alice', 2)).toEqual(bytes(2));
    expect(records.get(session, 'alice', 1)).toBeUndefined();
    expect(records.partsInGroup(session, 'alice')).toEqual([['2']]);
    expect(records.changes().map(({ key, entry }) => [key.split('\u001f').slice(1).join('.'), entry?.value])).toEqual([
      ['alice.2', bytes(2)],
      ['alice.1', undefined],
    ]);
    records.end();
    expect(records.changes()).toEqual([]);
  });

  it('rolls back to a savepoint (one failed envelope) and aborts whole operations (failed commit)', () => {
    const records = new StagedRecords();
    records.load(session, ['bob', '1'], bytes(1));
    records.begin();
    records.set(session, ['bob', 1], bytes(2));
    const mark = records.savepoint();
    records.set(session, ['bob', 1], bytes(3));
    records.set(session, ['bob', 2], bytes(4));
    records.delete(session, 'bob', 1);
    records.rollbackTo(mark);
    expect(records.get(session, 'bob', 1)).toEqual(bytes(2));
    expect(records.has(session, 'bob', 2)).toBe(false);
    expect(records.partsInGroup(session, 'bob')).toEqual([['1']]);
    records.abort();
    expect(records.get(session, 'bob', 1)).toEqual(bytes(1));
    expect(records.staging).toBe(false);
    expect(() => records.savepoint()).toThrow();
  });
});
