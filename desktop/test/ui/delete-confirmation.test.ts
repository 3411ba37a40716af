/** The word the delete-account dialog asks for: exactly DELETE, spaces around it forgiven. */
import { describe, expect, it } from 'vitest';
import { DELETE_CONFIRMATION_WORD, isDeleteConfirmed } from '../../src/renderer/app/state/delete-confirmation.js';

describe('isDeleteConfirmed', () => {
  it('accepts the word, with spaces around it', () => {
    expect(DELETE_CONFIRMATION_WORD).toBe('DELETE');
    expect(isDeleteConfirmed('DELETE')).toBe(true);
    expect(isDeleteConfirmed('  DELETE \n')).toBe(true);
  });

  it('refuses anything else, including another case or a partial word', () => {
    for (const typed of ['', 'delete', 'Delete', 'DELET', 'DELETE!', 'DELETE ME', 'D E L E T E']) {
      expect(isDeleteConfirmed(typed)).toBe(false);
    }
  });
});
