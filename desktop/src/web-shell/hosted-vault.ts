/** The hosted-vault seam lives in host/ (Electron main uses it too); re-exported for the web shell's modules. */
export { type HostedVault, VAULT_EVENT_NAMES } from '../host/hosted-vault.js';
