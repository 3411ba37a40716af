/**
 * The chat view (app/chat/ChatView.svelte) in Debian's Chromium, on the real
 * engine and vault through the web shell, under the shell's CSP: a seeded
 * conversation (bodies encrypted at rest) opens at the unread divider and
 * marks it read; text stays text; links preview and open through the
 * platform; forged-key notices name the relay and offer nothing to accept,
 * and "Safety number" opens the contact; the header's Mute menu mutes and
 * unmutes; a
 * failed message retries; Enter sends and Shift+Enter adds a line; the typing
 * indicator; scrolling up pages older messages in without moving the row
 * being read; a new message while scrolled up waits behind the jump button.
 * The page is the UI bench page (src/renderer/bench/ui) with its view harness.
 */
import type { Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startUiBenchSession, type UiBenchSession } from './ui-bench-session.js';

const SEEDED = 400;
const FORGING_RELAY = 'https://relay.example:7447';
const LINK = 'https://example.org/docs?page=2';

let session: UiBenchSession | undefined;
let page: Page;
const problems: string[] = [];

function bench<T>(call: (api: NonNullable<Window['parleyUiBench']>) => T | Promise<T>): Promise<T> {
  return page.evaluate(`(${call.toString()})(window.parleyUiBench)`) as Promise<T>;
}

/** Scroll position and the seeded numbers ("[12] ...") of the first and last rendered rows. */
async function viewport(): Promise<{ top: number; bottomGap: number; first: number | null; last: number | null }> {
  return page.evaluate(() => {
    const list = document.querySelector('[role="list"][aria-label="Messages"]');
    const scroller = list?.parentElement;
    if (!(scroller instanceof HTMLElement)) throw new Error('no history');
    const numbers = [...document.querySelectorAll('[data-testid="message-text"]')]
      .map((element) => /^\[(\d+)\]/.exec(element.textContent ?? '')?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    return {
      top: scroller.scrollTop,
      bottomGap: scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight,
      first: numbers[0] ?? null,
      last: numbers.at(-1) ?? null,
    };
  });
}

beforeAll(async () => {
  session = await startUiBenchSession({
    viewport: { width: 1000, height: 700 },
    onPage: (opened) => {
      opened.on('console', (message) => {
        const text = message.text();
        // Chromium logs every failed request (the responses below say which): not an error of the view.
        if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
          problems.push(text);
        }
      });
      opened.on('pageerror', (error) => problems.push(error.message));
      opened.on('response', (response) => {
        // The seeded peer is not registered: the engine's bundle fetches for a send or retry to it answer 404.
        if (response.status() >= 400 && !response.url().includes('/v1/keys/bundles/')) {
          problems.push(`${response.status()} ${response.url()}`);
        }
      });
    },
  });
  page = session.page;
  await page.evaluate(([url, passphrase]) => window.parleyUiBench?.createAccount(url, passphrase), [
    session.relay.url,
    `chat-view-${crypto.randomUUID()}`,
  ] as const);
  await page.evaluate((count) => window.parleyUiBench?.seed(count), SEEDED);
  await bench(async (api) => {
    await api.addMessage({ text: 'this one failed', direction: 'outgoing', state: 'failed' });
    await api.addMessage({ text: null, direction: 'incoming', state: 'read', kind: 'identity-changed' });
    // FORGING_RELAY, spelled out: this function runs in the page.
    await api.addMessage({
      text: 'https://relay.example:7447',
      direction: 'incoming',
      state: 'read',
      kind: 'forged-key',
    });
    await api.addMessage({
      text: 'read the docs at https://example.org/docs?page=2.',
      direction: 'incoming',
      state: 'read',
    });
    await api.addMessage({ text: '<b>not bold</b> & <script>no</script>', direction: 'incoming', state: 'read' });
    await api.markNewestUnread(2);
    await api.open();
  });
}, 240_000);

afterAll(async () => {
  await session?.dispose();
});

describe('the chat view in Chromium', () => {
  it('shows the header and opens at the unread divider, then marks the messages read', async () => {
    expect(await page.getByRole('heading', { level: 2, name: 'Bench Peer' }).isVisible()).toBe(true);
    expect(await page.getByTestId('verified-badge').isVisible()).toBe(true);
    const divider = page.getByTestId('unread-divider');
    await expect.poll(() => divider.isVisible(), { timeout: 15_000 }).toBe(true);
    const history = page.getByRole('list', { name: 'Messages' });
    expect(await history.getAttribute('aria-live')).toBe('polite');
    // Both unread messages turn read (the page is visible and focused).
    const unread = page.locator('[data-testid="message"][data-direction="incoming"][data-state="delivered"]');
    await expect.poll(() => unread.count(), { timeout: 15_000 }).toBe(0);
    // The divider stays where the user left off.
    expect(await divider.isVisible()).toBe(true);
  });

  it('renders bodies as text, never as HTML', async () => {
    const text = page.getByTestId('message-text').filter({ hasText: 'not bold' });
    expect(await text.textContent()).toBe('<b>not bold</b> & <script>no</script>');
    expect(await text.locator('b, script').count()).toBe(0);
  });

  it('previews a link on hover and opens it through the platform', async () => {
    const link = page.getByRole('link', { name: LINK });
    await link.hover();
    const preview = page.getByRole('tooltip').filter({ hasText: LINK });
    await expect.poll(() => preview.isVisible()).toBe(true);
    await link.click();
    expect((await bench((api) => api.record())).openedLinks).toEqual([LINK]);
  });

  it('shows full-width notices naming the relay that forged a key, with nothing to accept', async () => {
    const notices = page.getByTestId('forgery-notice');
    await expect.poll(() => notices.count()).toBe(2);
    expect(await notices.allTextContents()).toEqual([
      "Earlier, your relay sent a key that isn't Bench Peer's; Parley now refuses such keys.",
      `Your relay (${FORGING_RELAY}) sent a key that isn't Bench Peer's; nothing from it was accepted.`,
    ]);
    expect(await notices.getByRole('button').count()).toBe(0);
    expect(await page.getByRole('button', { name: /accept/i }).count()).toBe(0);
    // The safety number is one click away in the header, as always.
    await page.getByRole('button', { name: 'Safety number' }).click();
    expect((await bench((api) => api.record())).contactOpened).toBe(1);
  });

  it('mutes from the header menu for a chosen time, says until when, and unmutes', async () => {
    const button = page.getByTestId('mute-button');
    expect(await button.textContent()).toContain('Mute');
    await button.click();
    const menu = page.getByRole('menu', { name: 'Mute notifications' });
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual([
      'For 1 hour',
      'For 8 hours',
      'For 1 week',
      'Until I unmute it',
    ]);
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    await button.click();
    await menu.getByRole('menuitem', { name: 'For 8 hours' }).click();
    await expect.poll(async () => (await button.textContent())?.trim()).toBe('Muted');
    expect(await button.getAttribute('title')).toMatch(/^Muted until /);
    await button.click();
    await menu.getByRole('menuitem', { name: 'Unmute', exact: true }).click();
    await expect.poll(async () => (await button.textContent())?.trim()).toBe('Mute');
  });

  it('offers Retry on a failed message and hands it to the engine', async () => {
    const failed = page.locator('[data-testid="message"][data-state="failed"]').filter({ hasText: 'this one failed' });
    expect(await failed.getByRole('img', { name: 'Not sent' }).count()).toBe(1);
    await failed.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(async () => (await bench((api) => api.record())).retried.length).toBe(1);
  });

  it('sends on Enter, adds a line on Shift+Enter, and shows the new message at the bottom', async () => {
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.click();
    await composer.pressSequentially('line one');
    await composer.press('Shift+Enter');
    await composer.pressSequentially('line two');
    expect(await composer.inputValue()).toBe('line one\nline two');
    await composer.press('Enter');
    const sent = page.locator('[data-testid="message"][data-direction="outgoing"]').filter({ hasText: 'line two' });
    await expect.poll(() => sent.count(), { timeout: 15_000 }).toBe(1);
    expect(await sent.getByTestId('message-text').textContent()).toBe('line one\nline two');
    expect(['sending', 'sent', 'failed']).toContain(await sent.getAttribute('data-state'));
    expect(await composer.inputValue()).toBe('');
    await expect.poll(async () => (await viewport()).bottomGap).toBeLessThan(4);
    // A blank message is not sent.
    await composer.press('Enter');
    await page.getByRole('button', { name: 'Send' }).click();
    expect(
      await page.locator('[data-testid="message"][data-direction="outgoing"]').filter({ hasText: 'line' }).count(),
    ).toBe(1);
  });

  it('shows the typing indicator only while the peer types', async () => {
    const indicator = page.getByTestId('typing-indicator');
    expect(await indicator.count()).toBe(0);
    await bench((api) => api.setPeerTyping(true));
    await expect.poll(() => indicator.isVisible()).toBe(true);
    expect(await indicator.textContent()).toContain('Bench Peer is typing');
    await bench((api) => api.setPeerTyping(false));
    await expect.poll(() => indicator.count()).toBe(0);
  });

  it('pages older messages in while scrolling up, keeping the row being read in place', async () => {
    const rowsInDom: number[] = [];
    let separators = 0;
    let pagesSeen = 0;
    for (let step = 0; step < 40; step++) {
      const before = await viewport();
      if (before.first === 0 && before.top <= 0) break;
      // Scroll to the top, note the row there once it has rendered, then follow that row's
      // position for a second, frame by frame, while an older page lands above it.
      const moved = await page.evaluate(async () => {
        const scroller = document.querySelector('[role="list"][aria-label="Messages"]')?.parentElement;
        if (!scroller) throw new Error('no history');
        const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
        // The row with this text, wherever it is (rows may be rendered again as the window moves).
        const find = (text: string) =>
          [...scroller.querySelectorAll('[data-testid="message"]')].find((row) => row.textContent === text);
        // Before the scroll: a page may land within the frames it takes the top row to render.
        const heightBefore = scroller.scrollHeight;
        scroller.scrollTop = 0;
        await frame();
        await frame();
        const text = scroller.querySelector('[data-testid="message"]')?.textContent;
        if (text === undefined || text === null) throw new Error('no rows');
        const start = find(text)?.getBoundingClientRect().top ?? 0;
        let drift = 0;
        const log: string[] = [];
        for (let i = 0; i < 60; i++) {
          await frame();
          const row = find(text);
          if (row === undefined) {
            log.push(`frame ${i}: the row is not rendered (scrollTop ${scroller.scrollTop})`);
            drift = Number.POSITIVE_INFINITY;
            continue;
          }
          const now = row.getBoundingClientRect().top;
          if (Math.abs(now - start) > 0.5) log.push(`frame ${i}: row at ${now}, was ${start}`);
          drift = Math.max(drift, Math.abs(now - start));
        }
        return { drift, grew: scroller.scrollHeight > heightBefore + 100, log };
      });
      if (moved.drift >= 3) console.log(moved.log.join('\n'));
      expect(moved.drift).toBeLessThan(3);
      if (moved.grew) pagesSeen++;
      rowsInDom.push(await page.getByTestId('message').count());
      separators += await page.getByTestId('day-separator').count();
    }
    const end = await viewport();
    expect(end.first).toBe(0);
    expect(pagesSeen).toBeGreaterThan(0);
    // The seeded history spans two days or more: separators were passed on the way.
    expect(separators).toBeGreaterThan(0);
    // Virtualised: a few dozen rows in the DOM, never the whole conversation.
    expect(Math.max(...rowsInDom)).toBeLessThan(80);
  });

  it('keeps the view still when a message arrives while scrolled up, and jumps to it on request', async () => {
    await bench((api) => api.addMessage({ text: 'late news', direction: 'incoming', state: 'delivered' }));
    await page.waitForTimeout(500);
    expect((await viewport()).first).toBe(0);
    const jump = page.getByRole('button', { name: /new message|Jump to newest/ });
    await jump.click();
    const late = page.getByTestId('message-text').filter({ hasText: 'late news' });
    await expect.poll(() => late.isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(async () => (await viewport()).bottomGap).toBeLessThan(4);
  });

  it('marks a message read only once it is in the viewport', async () => {
    // Read up from the bottom by a few screens: the newest rows are loaded but out of sight.
    await page.evaluate(() => {
      const scroller = document.querySelector('[role="list"][aria-label="Messages"]')?.parentElement;
      if (!scroller) throw new Error('no history');
      scroller.scrollTop = Math.max(0, scroller.scrollHeight - scroller.clientHeight * 3);
    });
    await expect.poll(async () => (await viewport()).bottomGap).toBeGreaterThan(1000);
    const id = await page.evaluate(() =>
      window.parleyUiBench?.addMessage({ text: 'out of sight', direction: 'incoming', state: 'delivered' }),
    );
    // Written straight into the database (no engine event): the button offers the newest.
    const jump = page.getByRole('button', { name: /new message|Jump to newest/ });
    await expect.poll(() => jump.isVisible()).toBe(true);
    await page.waitForTimeout(800);
    const state = () => page.evaluate((messageId) => window.parleyUiBench?.messageState(messageId ?? ''), id);
    expect(await state()).toBe('delivered');
    await jump.click();
    await expect.poll(state, { timeout: 15_000 }).toBe('read');
  });

  it('shows text in its own order and links with where they really go', async () => {
    for (const text of [
      'invoice \u202Egnp.exe please',
      'log in at https://\u0430pple.com/login',
      'see https://bank.example@evil.example/login',
      '\u200Fhttps://example.net/',
    ]) {
      await page.evaluate(
        (body) => window.parleyUiBench?.addMessage({ text: body, direction: 'incoming', state: 'read' }),
        text,
      );
    }
    await expect.poll(() => page.getByTestId('message-text').filter({ hasText: 'example.net' }).count()).toBe(1);

    // The override is gone from what is shown, so the file name reads as it is: "gnp.exe", drawn left to right.
    const invoice = page.getByTestId('message-text').filter({ hasText: 'invoice' });
    expect(await invoice.textContent()).toBe('invoice gnp.exe please');
    expect(await invoice.getAttribute('dir')).toBe('auto');
    const order = await invoice.evaluate(
      (element, [marks]) => {
        const text = element.textContent ?? '';
        return marks.map((mark) => {
          const at = mark === 'last-e' ? text.lastIndexOf('e') : text.indexOf(mark);
          // Where the character at `at` of the element's text is drawn.
          const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
          let offset = at;
          for (let node = walker.nextNode() as Text | null; node !== null; node = walker.nextNode() as Text | null) {
            if (offset < node.data.length) {
              const range = document.createRange();
              range.setStart(node, offset);
              range.setEnd(node, offset + 1);
              return range.getBoundingClientRect().left;
            }
            offset -= node.data.length;
          }
          throw new Error(`no character ${at}`);
        });
      },
      [['g', '.', 'last-e']] as const,
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));

    // A look-alike host: the real one, in punycode, beside the link and first in its preview.
    const lookalike = page.getByRole('link', { name: 'https://\u0430pple.com/login' });
    const row = page.getByTestId('message-text').filter({ has: lookalike });
    expect(await row.textContent()).toMatch(
      /^log in at https:\/\/\u0430pple\.com\/login \(goes to xn--pple-43d\.com\)/,
    );
    expect(await row.getByTestId('link-host').textContent()).toBe('(goes to xn--pple-43d.com)');
    await lookalike.hover();
    const preview = page.getByRole('tooltip').filter({ hasText: 'https://xn--pple-43d.com/login' });
    await expect.poll(() => preview.isVisible()).toBe(true);
    expect(await preview.textContent()).toBe('xn--pple-43d.com https://xn--pple-43d.com/login');
    // An honest link has no label.
    expect(
      await page.getByTestId('message-text').filter({ hasText: 'read the docs' }).getByTestId('link-host').count(),
    ).toBe(0);

    // Credentials: text, not a link that would go to evil.example (or do nothing).
    const credentials = page.getByTestId('message-text').filter({ hasText: 'bank.example@evil.example' });
    expect(await credentials.textContent()).toBe('see https://bank.example@evil.example/login');
    expect(await credentials.getByRole('link').count()).toBe(0);

    // The link is isolated left to right: a right-to-left mark before it cannot move its "/" to the front.
    const isolated = page.getByRole('link', { name: 'https://example.net/' });
    const [first, last] = await isolated.evaluate((anchor) => {
      const node = [...anchor.childNodes].find((child): child is Text => child instanceof Text && child.data !== '');
      if (node === undefined) throw new Error('the link has no text');
      const left = (offset: number) => {
        const range = document.createRange();
        range.setStart(node, offset);
        range.setEnd(node, offset + 1);
        return range.getBoundingClientRect().left;
      };
      return [left(0), left(node.data.length - 1)];
    });
    expect(first).toBeLessThan(last ?? 0);
  });

  it('needed no inline style nor eval and logged no error', async () => {
    // The page sets zod up without eval first, as the renderer does: no CSP report of any kind.
    expect(await bench((api) => api.cspViolations())).toEqual([]);
    expect(problems).toEqual([]);
  });
});
