/** An avatar (a contact's profile picture or a group photo) as the UI shows it: a `data:` URL for an img. */
export function avatarDataUrl(avatar: { readonly contentType: string; readonly data: string } | null): string | null {
  return avatar === null ? null : `data:${avatar.contentType};base64,${avatar.data}`;
}
