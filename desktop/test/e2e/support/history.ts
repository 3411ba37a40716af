/**
 * Checks on what a conversation's history shows: every delivery state an own
 * message passed through (recorded in the page as the DOM changes, so a state
 * that lasted a moment is still seen), and that two people's histories hold
 * the same messages, in the same order, each once.
 */
import type { Page } from '@playwright/test';
import { expect } from 'vitest';
import type { ChatView, OutgoingState } from './pages/chat-view.js';
import { ui } from './ui-expect.js';

const STATES_KEY = '__parleyE2eOutgoingStates';
export const STATE_ORDER: readonly OutgoingState[] = ['sending', 'sent', 'delivered', 'read'];

/** Starts recording, per message text, each data-state its outgoing row shows (consecutive repeats folded). */
export async function recordOutgoingStates(page: Page): Promise<() => Promise<Record<string, string[]>>> {
  await page.evaluate((key) => {
    const seen: Record<string, string[]> = {};
    const scan = () => {
      for (const row of document.querySelectorAll('[data-testid="message"][data-direction="outgoing"]')) {
        const text = row.querySelector('[data-testid="message-text"]')?.textContent?.trim() ?? '';
        const state = row.getAttribute('data-state') ?? 'none';
        seen[text] ??= [];
        const states = seen[text];
        if (states.at(-1) !== state) states.push(state);
      }
    };
    new MutationObserver(scan).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
      attributeFilter: ['data-state'],
    });
    scan();
    Reflect.set(window, key, seen);
  }, STATES_KEY);
  return () => page.evaluate((key) => Reflect.get(window, key) as Record<string, string[]>, STATES_KEY);
}

/** States only move forward, start at sending or sent, and end at `last`. */
export function expectForwardStates(states: readonly string[] | undefined, last: OutgoingState): void {
  expect(states, 'states recorded for the message').toBeDefined();
  const seen = states ?? [];
  const ranks = seen.map((state) => STATE_ORDER.indexOf(state as OutgoingState));
  expect(
    ranks.every((rank) => rank >= 0),
    `only known states: ${seen.join(' -> ')}`,
  ).toBe(true);
  expect(
    ranks.every((rank, index) => index === 0 || rank > (ranks[index - 1] ?? -1)),
    `forward only: ${seen.join(' -> ')}`,
  ).toBe(true);
  expect(['sending', 'sent']).toContain(seen[0]);
  expect(seen.at(-1)).toBe(last);
}

/** Both sides show the same texts in the same order (sort keys come from the sender's clock), none twice. */
export async function expectSameHistory(left: ChatView, right: ChatView): Promise<string[]> {
  const difference = async () => {
    const [shownLeft, shownRight] = await Promise.all([left.texts(), right.texts()]);
    const same = JSON.stringify(shownLeft) === JSON.stringify(shownRight);
    return same ? 'same' : `one side: ${JSON.stringify(shownLeft)}, the other: ${JSON.stringify(shownRight)}`;
  };
  await ui.poll(difference).toBe('same');
  const texts = await left.texts();
  expect(new Set(texts).size, `no message shown twice: ${JSON.stringify(texts)}`).toBe(texts.length);
  return texts;
}
