/**
 * Which links may leave the app for the system browser: http(s) with a host
 * and no credentials. Everything else (file:, javascript:, custom schemes
 * that launch other programs, the app's own URLs) is refused. Shared by
 * Electron main and the renderer's web platform. Browser-safe.
 */
export function isExternalWebUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return false;
  return parsed.hostname !== '' && parsed.username === '' && parsed.password === '';
}
