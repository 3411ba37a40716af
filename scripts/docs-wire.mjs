// Writes docs/wire-reference.md from crypto-core's wire schemas (npm run docs:wire).
// Runs under tsx (the renderer is TypeScript); `npm test` checks the committed file is current.

import { writeFileSync } from 'node:fs';
import { renderWireReference, WIRE_REFERENCE_PATH } from '../crypto-core/src/wire-reference/render.ts';

const target = new URL(`../${WIRE_REFERENCE_PATH}`, import.meta.url);
writeFileSync(target, renderWireReference());
console.log(`wrote ${WIRE_REFERENCE_PATH}`);
