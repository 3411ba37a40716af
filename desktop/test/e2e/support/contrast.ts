/**
 * WCAG 2 contrast of every visible piece of text on a page (UI.md: "contrast
 * at least WCAG AA for all text"): 4.5:1, or 3:1 for large text (24 px, or
 * 18.66 px bold); and of the shapes that carry meaning (WCAG 1.4.11,
 * non-text contrast, 3:1): each message bubble's edge (its border, else its
 * fill) against what is behind it, and the conversation list's marks (the
 * verified shield's ink, the unread count's fill) against their row.
 * Colours are resolved by the browser itself (a canvas turns any CSS
 * colour, oklch and color-mix included, into sRGB bytes); the background is
 * the stack of ancestors' background colours down to an opaque one, the
 * foreground's alpha times every ancestor's opacity. Text over a background
 * image, covered text and inactive controls (WCAG exempts them) are skipped.
 */
import type { Page } from '@playwright/test';
import { COLOR_SCHEMES } from './artefacts.js';
import { ui } from './ui-expect.js';

/** The shapes measured, by test id: how each is drawn decides which colour is its edge. */
export const MEANINGFUL_SHAPES = {
  /** A message bubble: its border where it has one, else its fill. */
  'message-bubble': 'edge',
  /** The conversation list's verified shield: an icon stroked in the element's colour. */
  'verified-mark': 'ink',
  /** The conversation list's unread count: a filled pill. */
  'unread-count': 'edge',
} as const;
export type MeaningfulShape = keyof typeof MEANINGFUL_SHAPES;

export interface ContrastFailure {
  readonly text: string;
  /** The element, and the nearest ancestor with a test id (to find it in the code). */
  readonly where: string;
  readonly ratio: number;
  readonly required: number;
  readonly color: string;
  readonly background: string;
}

export interface ContrastReport {
  readonly failures: ContrastFailure[];
  /** How many of each meaningful shape were visible and measured. */
  readonly shapesMeasured: Record<string, number>;
}

/** Text and meaningful shapes of the page as it is now (one theme). */
export function measureContrast(page: Page): Promise<ContrastReport> {
  return page.evaluate((shapes) => {
    type Rgba = [number, number, number, number];
    const canvas = document.createElement('canvas');
    canvas.width = 1;
    canvas.height = 1;
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('no 2d canvas');
    const toRgba = (css: string): Rgba => {
      context.clearRect(0, 0, 1, 1);
      context.fillStyle = css;
      context.fillRect(0, 0, 1, 1);
      const [r = 0, g = 0, b = 0, a = 0] = context.getImageData(0, 0, 1, 1).data;
      return [r, g, b, a / 255];
    };
    const over = (top: Rgba, bottom: Rgba): Rgba => {
      const alpha = top[3] + bottom[3] * (1 - top[3]);
      if (alpha === 0) return [0, 0, 0, 0];
      const mix = (index: 0 | 1 | 2) => (top[index] * top[3] + bottom[index] * bottom[3] * (1 - top[3])) / alpha;
      return [mix(0), mix(1), mix(2), alpha];
    };
    const luminance = ([r, g, b]: Rgba) => {
      const channel = (value: number) => {
        const c = value / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const show = ([r, g, b, a]: Rgba) => `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${a.toFixed(2)})`;

    /** The colour behind an element, or null under a background image. */
    const backgroundOf = (element: Element): Rgba | null => {
      const layers: Rgba[] = [];
      for (let node: Element | null = element; node !== null; node = node.parentElement) {
        const style = getComputedStyle(node);
        if (style.backgroundImage !== 'none') return null;
        const colour = toRgba(style.backgroundColor);
        if (colour[3] > 0) layers.push(colour);
        if (colour[3] >= 1) break;
      }
      // The canvas behind everything is white unless the root says otherwise.
      return layers.reduceRight<Rgba>((below, layer) => over(layer, below), [255, 255, 255, 1]);
    };
    const opacityOf = (element: Element): number => {
      let opacity = 1;
      for (let node: Element | null = element; node !== null; node = node.parentElement) {
        opacity *= Number(getComputedStyle(node).opacity);
      }
      return opacity;
    };

    const ratioOf = (a: Rgba, b: Rgba) => {
      const [lighter, darker] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return ((lighter ?? 0) + 0.05) / ((darker ?? 0) + 0.05);
    };
    const ownerOf = (element: Element) => {
      const owner = element.closest<HTMLElement>('[data-testid]');
      const direction = owner?.dataset.direction ? `[data-direction="${owner.dataset.direction}"]` : '';
      return owner ? ` in [data-testid="${owner.dataset.testid}"]${direction}` : '';
    };
    /** Seen: rendered, of some size, and not covered (by a modal's backdrop). */
    const isSeen = (element: Element) => {
      if (!element.checkVisibility({ opacityProperty: true, visibilityProperty: true })) return false;
      const box = element.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1) return false;
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return hit !== null && (element.contains(hit) || hit.contains(element));
    };

    const failures: ContrastFailure[] = [];
    const shapesMeasured: Record<string, number> = {};
    for (const [testId, kind] of Object.entries(shapes)) {
      shapesMeasured[testId] = 0;
      for (const element of document.querySelectorAll(`[data-testid="${testId}"]`)) {
        if (!isSeen(element) || element.parentElement === null) continue;
        const behind = backgroundOf(element.parentElement);
        if (behind === null) continue;
        const style = getComputedStyle(element);
        const fill = over(toRgba(style.backgroundColor), behind);
        const border = toRgba(style.borderTopColor);
        const hasBorder = Number.parseFloat(style.borderTopWidth) >= 1 && border[3] > 0;
        const drawn = kind === 'ink' ? toRgba(style.color) : hasBorder ? border : fill;
        const alpha = opacityOf(element);
        const shape = over([drawn[0], drawn[1], drawn[2], drawn[3] * alpha], kind === 'ink' ? fill : behind);
        shapesMeasured[testId] += 1;
        const ratio = ratioOf(shape, behind);
        if (ratio < 3) {
          failures.push({
            text: `${testId} (${kind === 'ink' ? 'icon' : hasBorder ? 'border' : 'fill'})`,
            where: `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}${ownerOf(element)}`,
            ratio: Math.round(ratio * 100) / 100,
            required: 3,
            color: show(shape),
            background: show(behind),
          });
        }
      }
    }

    for (const element of document.body.querySelectorAll('*')) {
      const ownText = [...element.childNodes]
        .filter((node) => node.nodeType === Node.TEXT_NODE)
        .map((node) => node.textContent ?? '')
        .join('')
        .trim();
      if (ownText === '') continue;
      if (element.closest(':disabled, [aria-disabled="true"]') !== null) continue;
      // Text clipped away for screen readers only (visually-hidden), or covered (by a modal's backdrop), is not seen.
      if (!isSeen(element)) continue;
      const background = backgroundOf(element);
      if (background === null) continue;
      const style = getComputedStyle(element);
      const ink = toRgba(style.color);
      const foreground = over([ink[0], ink[1], ink[2], ink[3] * opacityOf(element)], background);
      const ratio = ratioOf(foreground, background);
      const size = Number.parseFloat(style.fontSize);
      const bold = Number(style.fontWeight) >= 700;
      const required = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < required) {
        failures.push({
          text: ownText.slice(0, 60),
          where: `${element.tagName.toLowerCase()}.${[...element.classList].join('.')}${ownerOf(element)}`,
          ratio: Math.round(ratio * 100) / 100,
          required,
          color: show(foreground),
          background: show(background),
        });
      }
    }
    return { failures, shapesMeasured };
  }, MEANINGFUL_SHAPES);
}

/**
 * measureContrast in the light and the dark theme (the system preference
 * emulated, theme transitions let finish), as one sentence per failure
 * naming `screen`; the page is left in the light scheme. `requireShapes`:
 * shapes the screen must show (and so have measured) in both themes; a
 * screen without them is a failure too, so the check cannot pass by
 * measuring nothing.
 */
export async function lowContrastInBothThemes(
  page: Page,
  screen: string,
  requireShapes: readonly MeaningfulShape[] = [],
): Promise<string[]> {
  const failures: string[] = [];
  for (const scheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await ui(page.locator('html')).toHaveAttribute('data-theme', scheme);
    // Let theme transitions (120-180 ms) finish before reading colours.
    await page.evaluate(() =>
      Promise.all(
        document
          .getAnimations()
          .filter((animation) => animation instanceof CSSTransition)
          // A transition cut short by the next one rejects `finished` (AbortError): that is done too.
          .map((animation) => animation.finished.catch(() => undefined)),
      ),
    );
    const report = await measureContrast(page);
    for (const failure of report.failures) {
      failures.push(
        `${screen}, ${scheme}: "${failure.text}" (${failure.where}) ${failure.ratio}:1 < ${failure.required}:1 (${failure.color} on ${failure.background})`,
      );
    }
    for (const shape of requireShapes) {
      if ((report.shapesMeasured[shape] ?? 0) === 0) {
        failures.push(`${screen}, ${scheme}: no visible [data-testid="${shape}"] to measure`);
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return failures;
}
