import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DASHBOARD_CSP, DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page';

describe('dashboard page', () => {
  it('inlines page/dashboard.css as its one stylesheet, allowed by the CSP by its hash', () => {
    const styles = [...DASHBOARD_HTML.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]);
    expect(styles).toEqual([readFileSync(path.join(__dirname, 'page', 'dashboard.css'), 'utf8')]);
    const hash = createHash('sha256').update(styles[0]).digest('base64');
    expect(DASHBOARD_CSP.split('; ')).toContain(`style-src 'sha256-${hash}'`);
  });

  it('loads its scripts from this origin, none inline', () => {
    expect([...DASHBOARD_HTML.matchAll(/<script\b[^>]*>/g)].map((match) => match[0])).toEqual([
      '<script src="/dashboard/chart.umd.js">',
      '<script src="/dashboard/dashboard.js">',
    ]);
    expect(DASHBOARD_JS).toBe(readFileSync(path.join(__dirname, 'page', 'dashboard.js'), 'utf8'));
  });
});
