/**
 * Group-state figures for `npm run bench -w crypto-core` (docs/protocol.md
 * §10): what a member pays per received change (verify: parse, key check,
 * XEdDSA verify), per fold of a large history (a client folds after every
 * merge), and to cut a newcomer's history into messages. No raw twin: there
 * is no libsignal equivalent; the XEdDSA verify alone is given beside.
 *
 * Standalone: node --conditions=source --import tsx -e \
 *   "import('./bench/group-bench.ts').then(m=>m.benchGroup()).then(console.log)"
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { toBase64 } from '../src/encoding.js';
import { groupMessages } from '../src/group/anti-entropy.js';
import { prepareGroupCreate } from '../src/group/build-change.js';
import type { GroupChangeBody } from '../src/group/change-schema.js';
import { GroupChangeSet } from '../src/group/change-set.js';
import { foldGroup } from '../src/group/fold.js';
import { MAX_GROUP_CHANGES } from '../src/group/limits.js';
import {
  encodeGroupChangeBody,
  groupChangeSigningInput,
  type SignedGroupChange,
  verifyGroupChange,
} from '../src/group/signed-change.js';
import { signGroupChange } from '../src/signal/group-change-signing.js';
import { generateIdentity } from '../src/signal/identity.js';
import { verifyIdentitySignature } from '../src/signal/signatures.js';

function perSecond(count: number, run: () => void): number {
  const started = performance.now();
  run();
  return Math.round((count * 1000) / (performance.now() - started));
}

function millis(run: () => void, repeats: number): number {
  run(); // warm-up
  const started = performance.now();
  for (let i = 0; i < repeats; i++) run();
  return Math.round(((performance.now() - started) / repeats) * 10) / 10;
}

export async function benchGroup(): Promise<Record<string, number>> {
  const owner = generateIdentity();
  const relay = { relayUrl: 'https://relay.example.org', accessKey: toBase64(new Uint8Array(16)) };
  const { groupId, body } = prepareGroupCreate(owner, { name: 'Bench', profile: relay, members: [] });
  const signed: SignedGroupChange[] = [signGroupChange(owner, body)];
  for (let clock = 2; clock <= MAX_GROUP_CHANGES; clock++) {
    const rename = {
      v: 1,
      groupId,
      id: crypto.randomUUID(),
      clock,
      author: owner.accountId,
      authorKey: toBase64(owner.identityKey),
      sentAt: Date.now(),
      action: 'rename',
      name: `name ${clock}`,
    } as GroupChangeBody;
    signed.push(signGroupChange(owner, encodeGroupChangeBody(rename)));
  }
  const verified = signed.map((change) => verifyGroupChange(change, verifyIdentitySignature));
  const publicKey = PublicKey.deserialize(owner.identityKey);
  const sample = signed.slice(0, 1000);
  const verifyPerSecond = perSecond(sample.length, () => {
    for (const change of sample) verifyGroupChange(change, verifyIdentitySignature);
  });
  const xeddsaPerSecond = perSecond(sample.length, () => {
    for (const change of sample) publicKey.verify(groupChangeSigningInput(change.body), change.signature);
  });
  const set = new GroupChangeSet(groupId, verified);
  const foldMs = millis(() => foldGroup(set), 5);
  const buildSetMs = millis(() => new GroupChangeSet(groupId, verified).digest(), 5);
  const historyMs = millis(() => groupMessages(set, set.sorted(), 'update'), 3);
  const history = groupMessages(set, set.sorted(), 'update');
  console.log(
    `group: verify ${verifyPerSecond}/s (XEdDSA alone ${xeddsaPerSecond}/s); ${MAX_GROUP_CHANGES} changes: fold ${foldMs} ms, set + digest ${buildSetMs} ms, history in ${history.length} messages ${historyMs} ms`,
  );
  return {
    group_verify_per_s: verifyPerSecond,
    group_xeddsa_verify_per_s: xeddsaPerSecond,
    group_fold_4000_ms: foldMs,
    group_set_digest_4000_ms: buildSetMs,
    group_history_messages_4000: history.length,
    group_history_cut_4000_ms: historyMs,
  };
}
