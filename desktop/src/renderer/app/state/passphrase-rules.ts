/** What onboarding accepts as a new passphrase (the vault derives its key from it with Argon2id). */

export const MIN_PASSPHRASE_LENGTH = 8;

/** A sentence saying what to fix, or null when the pair is acceptable. */
export function passphraseProblem(passphrase: string, confirmation: string): string | null {
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    return `Choose a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters; a few unrelated words work well.`;
  }
  if (passphrase !== confirmation) return "The two passphrases don't match; type the same one twice.";
  return null;
}
