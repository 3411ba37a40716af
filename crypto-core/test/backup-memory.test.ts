/**
 * The container streams: 200 MB through encrypt and straight into decrypt
 * must not grow the process by anything like the data size.
 */
import { describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE } from '../src/at-rest/index.js';
import { createBackupKey, decryptBackupWithKey, encryptBackupWithKey } from '../src/backup/portable.js';
import { equalBytes } from '../src/encoding.js';

const MIB = 1024 * 1024;
const SOURCE_SLICE = MIB;

describe('backup container memory', () => {
  it('encrypts and decrypts 200 MB streamed from a generator with bounded RSS and heap growth', async () => {
    const key = await createBackupKey('memory test', { kdf: ARGON2ID_INTERACTIVE });
    // One reusable source buffer, so the generator itself holds no growing state.
    const pattern = Uint8Array.from({ length: SOURCE_SLICE }, (_, i) => (i * 131 + 7) & 0xff);
    async function* plaintext(megabytes: number): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < megabytes; i++) yield pattern;
    }

    async function pipe(megabytes: number, sample?: () => void): Promise<number> {
      let received = 0;
      let chunkIndex = 0;
      for await (const chunk of decryptBackupWithKey(encryptBackupWithKey(plaintext(megabytes), key), key)) {
        // Spot-check content (every 16th chunk) so the test measures the container, not the comparison.
        if (chunkIndex % 16 === 0) {
          const offset = received % SOURCE_SLICE;
          if (!equalBytes(chunk, pattern.subarray(offset, offset + chunk.byteLength))) {
            throw new Error(`plaintext differs at ${received}`);
          }
        }
        received += chunk.byteLength;
        if (sample !== undefined && chunkIndex % 32 === 0) sample();
        chunkIndex++;
      }
      return received;
    }

    await pipe(16); // warm up: JIT, libsodium's heap for stream buffers
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakHeap = before.heapUsed;
    const megabytes = 200;
    const received = await pipe(megabytes, () => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    });

    expect(received).toBe(megabytes * MIB);
    const rssGrowth = (peakRss - before.rss) / MIB;
    const heapGrowth = (peakHeap - before.heapUsed) / MIB;
    console.log(`200 MB streamed: RSS growth ${rssGrowth.toFixed(1)} MiB, JS heap growth ${heapGrowth.toFixed(1)} MiB`);
    // Holding the stream would mean >= 200 MiB; garbage awaiting collection stays far below that.
    expect(rssGrowth).toBeLessThan(64);
    expect(heapGrowth).toBeLessThan(32);
  });
});
