/**
 * How many modal dialogs are open now (Dialog.svelte counts itself in when
 * it opens and out when it closes). While any is, the page under it is
 * covered: the open conversation is not being read (no read marking, no read
 * receipt), and a new message there notifies as if the conversation were
 * closed.
 */
class ModalCount {
  open = $state(0);
}

export const modals = new ModalCount();
