/**
 * kill -9 at random moments while a child process decrypts, encrypts and
 * releases through the vault. After each kill: the database passes SQLite's
 * integrity check, the vault unlocks, every batch the child reported as
 * committed is there (its plaintext still cached, or released exactly when
 * the child said so), every reply it sent opens at the peer (no message key
 * used twice), and the sessions go on working.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeContent } from '@parley/crypto-core';
import type { Envelope, OutgoingMessage } from '@parley/crypto-core/wire';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { RawDevice } from './support/raw-device.js';
import { TestRelay } from './support/test-relay.js';
import {
  call,
  createParty,
  errorCode,
  removeTemporaryDirs,
  temporaryProfileDir,
  textBody,
} from './support/vault-harness.js';

afterAll(removeTemporaryDirs);

const here = dirname(fileURLToPath(import.meta.url));
const desktopDir = join(here, '..', '..');
const ROUNDS = 4;
const BATCH = 40;
const MESSAGES_PER_ROUND = 800;

interface ChildReport {
  readonly committed: Map<number, Array<[string, string]>>;
  readonly sent: OutgoingMessage[][];
  readonly releasing: Set<number>;
  readonly released: Set<number>;
  readonly ready: boolean;
}

function parseReport(stdout: string): ChildReport {
  const report: ChildReport = {
    committed: new Map(),
    sent: [],
    releasing: new Set(),
    released: new Set(),
    ready: false,
  };
  let ready = false;
  // A line cut by the kill has no newline yet: only complete lines count.
  const lines = stdout.split('\n').slice(0, -1);
  for (const line of lines) {
    const [word = '', batch = '', ...rest] = line.split(' ');
    if (word === 'ready') ready = true;
    else if (word === 'committed') report.committed.set(Number(batch), JSON.parse(rest.join(' ')));
    else if (word === 'sent') report.sent.push(JSON.parse(rest.join(' ')));
    else if (word === 'releasing') report.releasing.add(Number(batch));
    else if (word === 'released') report.released.add(Number(batch));
  }
  return { ...report, ready };
}

function runChildUntilKilled(workFile: string, keychainKey: string, killAfterMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', join(here, 'fixtures', 'crash-child.ts'), workFile],
      {
        cwd: desktopDir,
        env: { ...process.env, PARLEY_TEST_KEYCHAIN_KEY: keychainKey },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const safety = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (timer === undefined && stdout.startsWith('ready\n'))
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(safety);
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited on its own (${code}): ${stderr}`));
      else resolve(stdout);
    });
  });
}

function integrityCheck(profileDir: string): string {
  const db = new Database(join(profileDir, 'vault.sqlite'));
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
}

describe('the vault under kill -9', () => {
  it('keeps every reported commit and never corrupts its store', async () => {
    const relay = new TestRelay();
    const alice = await createParty(relay);
    const bob = new RawDevice();
    await bob.startSession(relay.bundles(alice.account.accountId));
    await call(alice.vault, 'lock', {});
    const workFile = join(dirname(temporaryProfileDir()), 'work.json');
    const sentBodies = new Map<string, string>();
    let pending: Envelope[] = [];
    let counter = 0;
    let repliesOpened = 0;
    let committedSeen = 0;

    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < MESSAGES_PER_ROUND; i++) {
        const body = `round ${round} message ${counter++}`;
        const envelope = await bob.envelope(alice.address, {
          type: 'text',
          id: crypto.randomUUID(),
          sentAt: counter,
          body,
        });
        sentBodies.set(envelope.id, body);
        pending.push(envelope);
      }
      const work = {
        profileDir: alice.profileDir,
        relayUrl: relay.url,
        peerAccountId: bob.address.accountId,
        batchSize: BATCH,
        envelopes: pending,
      };
      writeFileSync(workFile, JSON.stringify(work));
      const killAfter = 150 + Math.floor(Math.random() * 900);
      const report = parseReport(
        await runChildUntilKilled(workFile, alice.keychain.exportForChildProcess(), killAfter),
      );
      expect(report.ready).toBe(true);

      expect(integrityCheck(alice.profileDir)).toBe('ok');
      await call(alice.vault, 'unlock', {});

      // Every reported batch decrypted what Bob sent, and is still there as reported.
      const confirmed = new Set<string>();
      for (const [batch, summary] of report.committed) {
        const envelopes = pending.slice(batch * BATCH, (batch + 1) * BATCH);
        expect(summary.map(([id]) => id)).toEqual(envelopes.map((envelope) => envelope.id));
        for (const [id, body] of summary) expect(body).toBe(sentBodies.get(id));
        const again = (await call(alice.vault, 'decrypt', { relayUrl: relay.url, envelopes })).results;
        if (report.released.has(batch)) {
          expect(again.map(errorCode)).toEqual(envelopes.map(() => 'DUPLICATE_MESSAGE'));
        } else if (report.releasing.has(batch)) {
          // Killed during the release: either outcome is a committed state.
          for (const outcome of again) {
            if (outcome.ok) expect(textBody(outcome)).toBe(sentBodies.get(outcome.value.envelopeId));
            else expect(outcome.error.code).toBe('DUPLICATE_MESSAGE');
          }
        } else {
          expect(again.map(textBody)).toEqual(summary.map(([, body]) => body));
        }
        for (const envelope of envelopes) confirmed.add(envelope.id);
        committedSeen++;
      }
      // Every reply the child handed out opens at Bob, in order, none a duplicate of another.
      for (const messages of report.sent) {
        for (const message of messages) {
          const plaintext = await bob.session.decrypt(alice.address, {
            type: message.type === 'prekey' ? 'prekey' : 'message',
            body: Buffer.from(message.content, 'base64'),
          });
          expect(decodeContent(plaintext)).toMatchObject({
            type: 'text',
            body: expect.stringContaining('reply to batch'),
          });
          repliesOpened++;
        }
      }
      await call(alice.vault, 'lock', {});
      // What the child never confirmed goes to the next round (the relay redelivers it).
      pending = pending.filter((envelope) => !confirmed.has(envelope.id));
    }
    expect(committedSeen).toBeGreaterThan(0);
    expect(repliesOpened).toBeGreaterThan(0);

    // After all the kills: leftovers and new messages still open, replies still work.
    await call(alice.vault, 'unlock', {});
    const tail = [...pending];
    for (let i = 0; i < 5; i++) {
      const envelope = await bob.envelope(alice.address, {
        type: 'text',
        id: crypto.randomUUID(),
        sentAt: i,
        body: `after the storm ${i}`,
      });
      sentBodies.set(envelope.id, `after the storm ${i}`);
      tail.push(envelope);
    }
    for (let start = 0; start < tail.length; start += 100) {
      const envelopes = tail.slice(start, start + 100);
      const outcomes = (await call(alice.vault, 'decrypt', { relayUrl: relay.url, envelopes })).results;
      expect(outcomes.map(textBody)).toEqual(envelopes.map((envelope) => sentBodies.get(envelope.id)));
    }
    const { messages } = await call(alice.vault, 'encrypt', {
      recipient: bob.address.accountId,
      content: { type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'still here' },
      sealed: false,
      relayUrl: relay.url,
    });
    const [message] = messages;
    if (message === undefined) throw new Error('no message');
    const plaintext = await bob.session.decrypt(alice.address, {
      type: message.type === 'prekey' ? 'prekey' : 'message',
      body: Buffer.from(message.content, 'base64'),
    });
    expect(decodeContent(plaintext)).toMatchObject({ body: 'still here' });
    await call(alice.vault, 'lock', {});
  }, 90_000);
});
