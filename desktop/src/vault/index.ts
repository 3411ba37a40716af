/**
 * @parley/desktop vault: the key vault (plain Node, no Electron). The host
 * (Electron main or the web shell) constructs one `Vault` per profile folder,
 * passes every call through `dispatchVaultCall` (common/dispatch.ts) and
 * forwards the events of `vault.on(...)` to the renderer.
 */
export type { Keychain } from './key-file.js';
export { PRIMARY_DEVICE_ID } from './open-vault.js';
export { DECRYPTED_CACHE_TTL_MS } from './plaintext-cache.js';
export {
  REGISTRATION_ONE_TIME_PREKEYS,
  RETIRED_PREKEY_GRACE_MS,
  SIGNED_PREKEY_ROTATION_MS,
} from './prekey-maintenance.js';
export { PROFILE_DIR_MODE, PROFILE_FILE_MODE, PROFILE_FILES } from './profile-files.js';
export { Vault, type VaultOptions } from './vault.js';
