/**
 * One user action at a time on a screen (accept, decline, remove, …): busy
 * while it runs (the buttons wait), and its failure as one sentence
 * (state/error-sentences.ts) to show next to the buttons.
 */
import { logFailure } from '../state/error-sentences.js';

export class PendingAction {
  busy = $state(false);
  problem = $state<string | null>(null);

  /** Runs `action` (described as `what` in the log); answers whether it succeeded. */
  async run(what: string, action: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.problem = null;
    try {
      await action();
      return true;
    } catch (failure) {
      this.problem = logFailure(what, failure);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
