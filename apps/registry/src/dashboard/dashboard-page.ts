import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The operator's dashboard: one static page (no data in it) that reads the JSON API with the
 * operator's key and draws with Chart.js. Its files live in page/ (the build copies them beside the
 * compiled registry) and are read once, when the registry starts.
 */
const PAGE_DIR = path.join(__dirname, 'page');
const readPageFile = (name: string) => readFileSync(path.join(PAGE_DIR, name), 'utf8');

/** The page's stylesheet, inline (one request less, no flash of unstyled page) and allowed by its hash in the CSP below. */
const DASHBOARD_CSS = readPageFile('dashboard.css');

/** index.html with dashboard.css in its empty <style> element. */
export const DASHBOARD_HTML = inlineStylesheet(readPageFile('index.html'), DASHBOARD_CSS);

export const DASHBOARD_JS = readPageFile('dashboard.js');

/**
 * What the page may load: its two scripts from this origin (no inline script, no eval), its one
 * inline stylesheet by hash, API calls to this origin; no frames around it (clickjacking), no
 * plugins, no base or form targets elsewhere.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  `style-src 'sha256-${createHash('sha256').update(DASHBOARD_CSS).digest('base64')}'`,
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function inlineStylesheet(html: string, css: string): string {
  const slot = '<style></style>';
  if (html.split(slot).length !== 2) throw new Error(`the dashboard's index.html must hold exactly one ${slot} for dashboard.css`);
  return html.replace(slot, () => `<style>${css}</style>`);
}
