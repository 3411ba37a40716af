/** Process entry of `parley-relay` (bin/parley-relay.mjs imports this, built or through tsx). */
import { main } from './cli.js';

await main();
