/**
 * Imported first by the browser pages (console, display). Zod compiles fast parsers with
 * `new Function` when it may; under a CSP without 'unsafe-eval' its probe is refused, and
 * Chromium reports every such refusal as a CSP violation. Jitless parsing needs no eval.
 */
import { z } from 'zod';

z.config({ jitless: true });
