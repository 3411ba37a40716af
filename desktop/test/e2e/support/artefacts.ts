/**
 * Where the end-to-end tests leave what a person looks at afterwards
 * (git-ignored): screenshots of each screen in both themes, and a screenshot
 * plus the DOM of every open page when a test fails; and README.md's
 * pictures in docs/screenshots, which the first-hour and group-chat stories take.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { REPO_ROOT } from '../../support/npm-run.js';
import { DESKTOP_DIR } from '../../web-shell/support/shell-process.js';
import { ui } from './ui-expect.js';

export const ARTEFACTS_DIR = join(DESKTOP_DIR, 'test', 'e2e', '.artifacts');
export const SCREENSHOTS_DIR = join(ARTEFACTS_DIR, 'screenshots');
const FAILURES_DIR = join(ARTEFACTS_DIR, 'failures');
/**
 * README.md's pictures, each written by the story that shows it, so they show
 * the app as it is: the first-hour story's (first-hour.e2e.test.ts) and those
 * in OTHER_STORIES_PICTURES.
 */
export const README_SCREENSHOTS_DIR = join(REPO_ROOT, 'docs', 'screenshots');

/** README.md's pictures the first-hour story does not take, and the story that does. */
export const OTHER_STORIES_PICTURES: Readonly<Record<string, string>> = {
  'group-chat-light.png': 'group-chat.e2e.test.ts',
};

export type ColorScheme = 'light' | 'dark';
export const COLOR_SCHEMES: readonly ColorScheme[] = ['light', 'dark'];

/**
 * The page as it looks in `scheme`, saved at `path`. The app follows the
 * system theme by default, so the system preference is emulated and the
 * resolved theme (<html data-theme>) awaited before the shot.
 */
async function screenshotInScheme(page: Page, path: string, scheme: ColorScheme): Promise<void> {
  await page.emulateMedia({ colorScheme: scheme });
  await ui(page.locator('html')).toHaveAttribute('data-theme', scheme);
  // 'disabled' ends finite transitions (the theme fades in 120-180 ms) and resets endless ones (typing dots).
  await page.screenshot({ path, animations: 'disabled' });
}

/** Saves `<name>-light.png` and `<name>-dark.png`; the page is left in the light scheme. */
export async function screenshotBothThemes(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const paths: string[] = [];
  for (const scheme of COLOR_SCHEMES) {
    const path = join(SCREENSHOTS_DIR, `${name}-${scheme}.png`);
    await screenshotInScheme(page, path, scheme);
    paths.push(path);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return paths;
}

/** Saves docs/screenshots/`<file>` (README.md shows it) in `scheme`; the page is left in the light scheme. */
export async function readmeScreenshot(page: Page, file: string, scheme: ColorScheme): Promise<string> {
  mkdirSync(README_SCREENSHOTS_DIR, { recursive: true });
  const path = join(README_SCREENSHOTS_DIR, file);
  await screenshotInScheme(page, path, scheme);
  await page.emulateMedia({ colorScheme: 'light' });
  return path;
}

/** A screenshot and the DOM of each page, named after the failed test. */
export async function saveFailureEvidence(testName: string, pages: ReadonlyMap<string, Page>): Promise<void> {
  const folder = join(FAILURES_DIR, testName.replace(/[^a-z0-9]+/gi, '-').slice(0, 80));
  mkdirSync(folder, { recursive: true });
  for (const [label, page] of pages) {
    if (page.isClosed()) continue;
    try {
      await page.screenshot({ path: join(folder, `${label}.png`), timeout: 5_000 });
      writeFileSync(join(folder, `${label}.html`), await page.content());
    } catch {
      // Evidence is best effort: the failure itself is what the test reports.
    }
  }
}
