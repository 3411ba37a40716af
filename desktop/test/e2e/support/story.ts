/**
 * Tests that build on each other (one story: onboard, then add, then chat).
 * Once a step fails, the later ones fail at once, naming that step, instead
 * of each waiting out its timeouts on a screen that never came. A problem
 * found only after a step (a console error, a CSP violation, checked in
 * afterEach) fails that step but does not stop the story.
 */
import { it } from 'vitest';

export function storySteps(): (name: string, body: () => Promise<void>, timeoutMs?: number) => void {
  let brokenAt: string | null = null;
  return (name, body, timeoutMs) => {
    it(
      name,
      async () => {
        if (brokenAt !== null) throw new Error(`not run: the story broke at "${brokenAt}"`);
        try {
          await body();
        } catch (error) {
          brokenAt = name;
          throw error;
        }
      },
      timeoutMs,
    );
  };
}
