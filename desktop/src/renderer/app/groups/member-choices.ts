/**
 * Who can be added to a group from the contact picker: accepted, unblocked
 * contacts not in the group yet, named as the list names them, narrowed by
 * the picker's filter (every word, case- and accent-blind).
 */
import type { ContactView } from '../../engine/index.js';
import { matchesEveryWord } from '../state/conversation-filter.js';

export interface MemberChoice {
  readonly accountId: ContactView['accountId'];
  readonly name: string;
}

export function contactName(contact: ContactView): string {
  return contact.displayName ?? contact.profileName ?? `${contact.accountId.slice(0, 8)}…`;
}

export function memberChoices(contacts: readonly ContactView[], exclude: ReadonlySet<string>): MemberChoice[] {
  return contacts
    .filter((contact) => contact.status === 'accepted' && !contact.blocked && !exclude.has(contact.accountId))
    .map((contact) => ({ accountId: contact.accountId, name: contactName(contact) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function filterChoices(choices: readonly MemberChoice[], query: string): MemberChoice[] {
  return choices.filter((choice) => matchesEveryWord(choice.name, query));
}
