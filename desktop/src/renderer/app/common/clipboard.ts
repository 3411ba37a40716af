/** Copying text (a contact code) to the clipboard; false when the browser refuses. */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    console.warn('[ui] the clipboard refused the text', error);
    return false;
  }
}
