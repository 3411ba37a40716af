/** What the delete-account dialog asks the user to type before it erases anything. */
export const DELETE_CONFIRMATION_WORD = 'DELETE';

/** Exactly the word, ignoring spaces around it; case matters, so a casual "delete" is not enough. */
export function isDeleteConfirmed(typed: string): boolean {
  return typed.trim() === DELETE_CONFIRMATION_WORD;
}
