/**
 * Reads a QR code shown by the page the way a phone camera would: the image's
 * pixels (drawn on a canvas in the page, on white with a quiet zone) decoded
 * with jsQR in Node. A QR that merely looks like one fails here.
 */
import type { Locator } from '@playwright/test';
import jsQRModule from 'jsqr';

// A CommonJS package typed with `export default`: under NodeNext the function is the default's default.
const jsQR = jsQRModule.default;

const QUIET_ZONE = 32;

export async function decodeQrImage(image: Locator): Promise<string | null> {
  const pixels = await image.evaluate(
    async (element, { quietZone }) => {
      if (!(element instanceof HTMLImageElement)) throw new Error(`not an <img>: ${element.tagName}`);
      await element.decode();
      // The image's own pixels (an SVG without a size: its rendered size).
      const width = element.naturalWidth || Math.round(element.getBoundingClientRect().width);
      const height = element.naturalHeight || Math.round(element.getBoundingClientRect().height);
      const canvas = document.createElement('canvas');
      canvas.width = width + 2 * quietZone;
      canvas.height = height + 2 * quietZone;
      const context = canvas.getContext('2d');
      if (context === null) throw new Error('no 2d canvas');
      context.fillStyle = '#fff';
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.imageSmoothingEnabled = false;
      context.drawImage(element, quietZone, quietZone, width, height);
      const data = context.getImageData(0, 0, canvas.width, canvas.height);
      // Base64 crosses the protocol far faster than an array of numbers.
      let binary = '';
      for (let offset = 0; offset < data.data.length; offset += 0x8000) {
        binary += String.fromCharCode(...data.data.subarray(offset, offset + 0x8000));
      }
      return { width: data.width, height: data.height, rgba: btoa(binary) };
    },
    { quietZone: QUIET_ZONE },
  );
  const rgba = new Uint8ClampedArray(Buffer.from(pixels.rgba, 'base64'));
  return jsQR(rgba, pixels.width, pixels.height)?.data ?? null;
}
