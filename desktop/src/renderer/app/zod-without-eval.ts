/**
 * Zod probes `new Function` (for its fast object parser) when an object
 * schema is created. The renderer's CSP has no 'unsafe-eval', so the probe is
 * refused and reported as a CSP violation, even though zod then falls back.
 * jitless skips the probe. main.ts imports this module first, before any
 * module that defines a schema (ES modules run in import order).
 */
import { z } from 'zod';

z.config({ jitless: true });
