/**
 * QR codes in and out. Out: an SVG data URL (no canvas, allowed by the CSP's
 * img-src data:), always dark on light so any scanner reads it. In: the text
 * of a QR code in an image file the user picked or pasted (jsqr on the
 * image's pixels); nothing leaves the page.
 */
import jsQR from 'jsqr';
import QRCode from 'qrcode';

const QR_OPTIONS = {
  type: 'svg',
  errorCorrectionLevel: 'M',
  margin: 2,
  color: { dark: '#000000', light: '#ffffff' },
} as const;

function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** A QR code of text (a contact code), as an image URL. */
export async function qrCodeOfText(text: string): Promise<string> {
  return svgDataUrl(await QRCode.toString(text, QR_OPTIONS));
}

/** A QR code of bytes (a safety number's scannable form), as an image URL. */
export async function qrCodeOfBytes(bytes: Uint8Array): Promise<string> {
  return svgDataUrl(await QRCode.toString([{ data: bytes, mode: 'byte' }], QR_OPTIONS));
}

/** Largest side the image is scaled to before decoding: enough for a screenshot of a code, bounded in memory. */
const MAX_DECODE_SIDE = 1600;

/** The text of the QR code in an image file, or null when none is found. Throws when the file is not an image. */
export async function readQrCodeFromImage(file: Blob): Promise<string | null> {
  const bitmap = await createImageBitmap(file);
  try {
    const scale = Math.min(1, MAX_DECODE_SIDE / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    if (context === null) return null;
    context.drawImage(bitmap, 0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height);
    return jsQR(pixels.data, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
  } finally {
    bitmap.close();
  }
}
