/**
 * Sealed-sender authority. On first start the relay generates a trust root
 * key pair and a server signing key certified by it (crypto-core's
 * generateTrustRoot / issueServerCertificate); all of it lives in
 * `sealed-sender.json` (0600) in the data folder. Clients fetch the trust
 * root public key (GET /v1/trust-root) and validate every sender certificate
 * against it; the relay issues sender certificates (GET /v1/certificate) to
 * authenticated devices, binding (account id, device id, identity key).
 *
 * The trust root private key is only needed to certify a new server key; it
 * stays in the file so a self-hosted relay needs no offline ceremony. Several
 * nodes share one file (copy it to each; see the README).
 */
import { generateTrustRoot, issueSenderCertificate, issueServerCertificate } from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import { loadOrCreateSecret, SEALED_SENDER_FILE } from '../data-folder.js';
import type { Logger } from '../logging.js';

const FILE_VERSION = 1;
/** Key id of the server certificate; bump when rotating the server key. */
const SERVER_KEY_ID = 1;

interface SealedSenderFile {
  readonly version: number;
  readonly trustRootPublicKey: string;
  readonly trustRootPrivateKey: string;
  readonly serverKeyId: number;
  readonly serverPrivateKey: string;
  readonly serverCertificate: string;
}

function isSealedSenderFile(value: unknown): value is SealedSenderFile {
  if (value === null || typeof value !== 'object') return false;
  const file = value as Record<string, unknown>;
  return (
    file.version === FILE_VERSION &&
    typeof file.trustRootPublicKey === 'string' &&
    typeof file.trustRootPrivateKey === 'string' &&
    typeof file.serverKeyId === 'number' &&
    typeof file.serverPrivateKey === 'string' &&
    typeof file.serverCertificate === 'string'
  );
}

function generate(): SealedSenderFile {
  const trustRoot = generateTrustRoot();
  const server = issueServerCertificate(trustRoot.privateKey, SERVER_KEY_ID);
  return {
    version: FILE_VERSION,
    trustRootPublicKey: toBase64(trustRoot.publicKey),
    trustRootPrivateKey: toBase64(trustRoot.privateKey),
    serverKeyId: server.keyId,
    serverPrivateKey: toBase64(server.privateKey),
    serverCertificate: toBase64(server.certificate),
  };
}

export class SealedSenderAuthority {
  readonly #trustRootPublicKey: string;
  readonly #serverPrivateKey: Uint8Array;
  readonly #serverCertificate: Uint8Array;

  private constructor(file: SealedSenderFile) {
    this.#trustRootPublicKey = file.trustRootPublicKey;
    this.#serverPrivateKey = fromBase64(file.serverPrivateKey);
    this.#serverCertificate = fromBase64(file.serverCertificate);
  }

  /** Loads the keys from the data folder, generating them on first start. */
  static async loadOrCreate(dataDir: string, logger: Logger): Promise<SealedSenderAuthority> {
    const { contents } = await loadOrCreateSecret(
      dataDir,
      SEALED_SENDER_FILE,
      () => `${JSON.stringify(generate(), null, 2)}\n`,
      logger,
    );
    const parsed: unknown = JSON.parse(contents);
    if (!isSealedSenderFile(parsed)) {
      throw new Error(`${SEALED_SENDER_FILE} in the data folder is not a sealed-sender key file`);
    }
    return new SealedSenderAuthority(parsed);
  }

  /** base64 of the 33-byte trust root public key clients pin. */
  get trustRootPublicKey(): string {
    return this.#trustRootPublicKey;
  }

  /** A serialized SenderCertificate (base64) for one device, valid until `expiresAt` (ms since epoch). */
  issueSenderCertificate(accountId: AccountId, deviceId: number, identityKey: string, expiresAt: number): string {
    const certificate = issueSenderCertificate({
      sender: { accountId, deviceId },
      identityKey: fromBase64(identityKey),
      expiresAt,
      serverCertificate: this.#serverCertificate,
      serverPrivateKey: this.#serverPrivateKey,
    });
    return toBase64(certificate);
  }
}
