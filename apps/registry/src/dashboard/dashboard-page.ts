import { createHash } from 'node:crypto';

/** The page's stylesheet, inline and allowed by its hash in the Content-Security-Policy below. */
const DASHBOARD_CSS = `
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
  header { display: flex; gap: 1rem; align-items: center; padding: .6rem 1rem; background: #1d2430; color: #fff; }
  header h1 { font-size: 1.1rem; margin: 0; flex: 1; }
  header input, header select { font: inherit; padding: .2rem .4rem; }
  main { display: grid; grid-template-columns: 14rem 1fr; min-height: calc(100vh - 3rem); }
  nav { background: #fff; border-right: 1px solid #dde; padding: .5rem 0; }
  nav a { display: block; padding: .35rem 1rem; color: inherit; text-decoration: none; }
  nav a.selected { background: #e7edf7; font-weight: 600; }
  section { padding: 1rem 1.5rem; }
  .cards { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
  .card { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: .6rem .9rem; }
  .card b { display: block; font-size: 1.2rem; }
  #verdict { background: #fff; border-left: 4px solid #888; padding: .6rem .9rem; margin-bottom: 1rem; }
  #verdict[data-decision="challenger_better"] { border-color: #2a8a3e; }
  #verdict[data-decision="champion_better"], #verdict[data-decision="sample_ratio_mismatch"] { border-color: #c0392b; }
  table { border-collapse: collapse; background: #fff; margin-bottom: 1rem; }
  th, td { border: 1px solid #dde; padding: .3rem .6rem; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
  .chart { background: #fff; border: 1px solid #dde; padding: .5rem; height: 15rem; }
  #error { color: #c0392b; }
  #versions td { text-align: left; vertical-align: top; }
  #versions ul { margin: 0; padding-left: 1.1rem; }
`;

/**
 * The operator's dashboard: one static page (no data in it) that reads the JSON API with the
 * operator's key and draws with Chart.js. Kept as strings so the compiled registry carries it.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Switchyard dashboard</title>
<style>${DASHBOARD_CSS}</style>
</head>
<body>
<header>
  <h1>Switchyard</h1>
  <label>range <select id="range"><option value="3600">last hour</option><option value="86400" selected>last 24 h</option><option value="604800">last 7 days</option></select></label>
  <label>API key <input id="key" type="password" size="28" placeholder="Bearer key (viewer)"></label>
</header>
<main>
  <nav id="models" aria-label="models"></nav>
  <section>
    <p id="error" role="alert"></p>
    <h2 id="title">Choose a model</h2>
    <div class="cards" id="deployment"></div>
    <div id="verdict" data-testid="verdict"></div>
    <h3>Versions</h3>
    <table id="versions"><thead><tr><th>version</th><th>status</th><th>validation</th></tr></thead><tbody></tbody></table>
    <h3>Variants</h3>
    <table id="variants"><thead><tr><th>variant</th><th>versions</th><th>requests</th><th>error rate</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>outcome</th><th>95 % interval</th><th>outcomes</th><th>max drift (PSI)</th></tr></thead><tbody></tbody></table>
    <h3>Challenger vs champion</h3>
    <table id="comparison"><tbody></tbody></table>
    <div class="charts">
      <div class="chart"><canvas id="traffic-chart" aria-label="requests per step"></canvas></div>
      <div class="chart"><canvas id="latency-chart" aria-label="p99 latency per step"></canvas></div>
      <div class="chart"><canvas id="outcome-chart" aria-label="outcome per step"></canvas></div>
    </div>
    <h3>Input drift <small id="drift-reference"></small></h3>
    <table id="drift"><thead><tr><th>variant</th><th>input</th><th>PSI</th><th>level</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script src="/dashboard/chart.umd.js"></script>
<script src="/dashboard/dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = `'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const keyInput = $('key');
  keyInput.value = sessionStorage.getItem('switchyard-key') || '';
  keyInput.addEventListener('change', () => { sessionStorage.setItem('switchyard-key', keyInput.value); refresh(); });
  $('range').addEventListener('change', () => refresh());
  window.addEventListener('hashchange', () => refresh());
  const charts = {};
  const colours = { champion: '#2d6cdf', challenger: '#e08a1e', pinned: '#7a7a7a' };

  async function api(path) {
    const headers = keyInput.value ? { authorization: 'Bearer ' + keyInput.value } : {};
    const response = await fetch(path, { headers });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.title || response.status) + ': ' + (body.detail || ''));
    return body;
  }
  const fixed = (value, digits) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
  const percent = (value) => (value === null || value === undefined ? '–' : (value * 100).toFixed(2) + ' %');
  const cell = (text, testid) => { const td = document.createElement('td'); td.textContent = text; if (testid) td.dataset.testid = testid; return td; };
  const selectedModel = () => new URLSearchParams(location.hash.slice(1)).get('model');

  function outcomeText(outcome) {
    if (outcome.metric === 'accuracy') return [percent(outcome.accuracy), outcome.interval ? percent(outcome.interval.low) + ' – ' + percent(outcome.interval.high) : '–'];
    return [fixed(outcome.mean, 4), outcome.interval ? fixed(outcome.interval.low, 4) + ' – ' + fixed(outcome.interval.high, 4) : '–'];
  }

  function drawVariants(stats) {
    const body = $('variants').tBodies[0];
    body.replaceChildren();
    for (const v of stats.variants) {
      const row = document.createElement('tr');
      const [outcome, interval] = outcomeText(v.outcome);
      const maxDrift = v.drift.length ? v.drift[0].psi : null;
      row.append(
        cell(v.variant), cell(v.versions.join(', ')),
        cell(String(v.requests), 'requests-' + v.variant), cell(percent(v.error_rate), 'error-rate-' + v.variant),
        cell(fixed(v.latency_ms.p50, 2), 'p50-' + v.variant), cell(fixed(v.latency_ms.p95, 2), 'p95-' + v.variant), cell(fixed(v.latency_ms.p99, 2), 'p99-' + v.variant),
        cell(outcome, 'outcome-' + v.variant), cell(interval), cell(String(v.outcome.count), 'outcomes-' + v.variant), cell(fixed(maxDrift, 3), 'drift-' + v.variant),
      );
      body.append(row);
    }
  }

  // Reasons and warnings quote what uploaders and runtimes wrote: always text, never markup.
  function drawVersions(versions) {
    const body = $('versions').tBodies[0];
    body.replaceChildren();
    for (const v of versions.items) {
      const notes = document.createElement('td');
      notes.dataset.testid = 'validation-v' + v.version;
      const warnings = (v.validation && v.validation.warnings) || [];
      if (v.status_reason) notes.textContent = v.status_reason;
      else if (warnings.length) {
        const list = document.createElement('ul');
        list.replaceChildren(...warnings.map((warning) => { const li = document.createElement('li'); li.textContent = warning; return li; }));
        notes.append('ready with warnings:', list);
      } else notes.textContent = v.validation && v.validation.smoke_input ? 'checked on ' + v.validation.smoke_input : '';
      const row = document.createElement('tr');
      row.append(cell('v' + v.version), cell(v.status, 'status-v' + v.version), notes);
      body.append(row);
    }
  }

  function drawComparison(stats) {
    const body = $('comparison').tBodies[0];
    body.replaceChildren();
    const c = stats.comparison;
    const rows = !c ? [['comparison', 'needs traffic on both champion and challenger', 'comparison']] : [
      ['outcome difference (' + c.metric + ')', c.outcome ? fixed(c.outcome.difference, 4) + '  [' + fixed(c.outcome.interval.low, 4) + ', ' + fixed(c.outcome.interval.high, 4) + ']' : '–', 'difference'],
      ['p-value (' + (c.outcome ? c.outcome.method : '–') + ')', c.outcome ? c.outcome.p_value.toPrecision(3) : '–', 'p-value'],
      ['sequential test (mSPRT)', c.sequential ? c.sequential.decision + ', always-valid p = ' + c.sequential.always_valid_p_value.toPrecision(3) : '–', 'sequential'],
      ['error rate difference', c.error_rate ? percent(c.error_rate.difference) + ', p = ' + c.error_rate.p_value.toPrecision(3) : '–', 'error-difference'],
      ['sample ratio (chi-square)', c.sample_ratio ? (c.sample_ratio.mismatch ? 'MISMATCH' : 'ok') + ', p = ' + c.sample_ratio.p_value.toPrecision(3) : '–', 'srm'],
    ];
    for (const [name, value, testid] of rows) {
      const row = document.createElement('tr');
      row.append(cell(name), cell(value, testid));
      body.append(row);
    }
  }

  function drawDrift(stats) {
    $('drift-reference').textContent = 'reference: ' + stats.drift_reference.from + ' – ' + stats.drift_reference.to + ' (' + stats.drift_reference.requests + ' requests)';
    const body = $('drift').tBodies[0];
    body.replaceChildren();
    for (const v of stats.variants) for (const d of v.drift) {
      const row = document.createElement('tr');
      row.append(cell(v.variant), cell(d.input), cell(fixed(d.psi, 4)), cell(d.level));
      body.append(row);
    }
  }

  function lineChart(id, points, value, label) {
    const variants = [...new Set(points.map((p) => p.variant))];
    const data = {
      datasets: variants.map((variant) => ({
        label: variant,
        borderColor: colours[variant] || '#444',
        backgroundColor: colours[variant] || '#444',
        data: points.filter((p) => p.variant === variant && value(p) !== null).map((p) => ({ x: Date.parse(p.at), y: value(p) })),
      })),
    };
    const options = {
      animation: false, maintainAspectRatio: false, parsing: false,
      plugins: { title: { display: true, text: label } },
      scales: { x: { type: 'linear', ticks: { callback: (t) => new Date(t).toISOString().slice(11, 16) } }, y: { beginAtZero: true } },
    };
    if (charts[id]) { charts[id].data = data; charts[id].update(); }
    else charts[id] = new Chart($(id), { type: 'line', data, options });
  }

  async function refresh() {
    $('error').textContent = '';
    try {
      const models = await api('/v1/models?limit=100');
      const nav = $('models');
      nav.replaceChildren(...models.items.map((m) => {
        const a = document.createElement('a');
        a.href = '#model=' + encodeURIComponent(m.name);
        a.textContent = m.name;
        if (m.name === selectedModel()) a.className = 'selected';
        return a;
      }));
      const name = selectedModel();
      if (!name) return;
      const to = new Date();
      const from = new Date(to.getTime() - Number($('range').value) * 1000);
      const [model, stats, versions] = await Promise.all([
        api('/v1/models/' + encodeURIComponent(name)),
        api('/v1/models/' + encodeURIComponent(name) + '/stats?from=' + from.toISOString() + '&to=' + to.toISOString()),
        api('/v1/models/' + encodeURIComponent(name) + '/versions?limit=20'),
      ]);
      $('title').textContent = name + ' (' + stats.task + ')';
      const d = model.deployment;
      $('deployment').replaceChildren(...[
        ['champion', d.champion ? 'v' + d.champion.version : 'none', 'champion'],
        ['challenger', d.challenger ? 'v' + d.challenger.version : 'none', 'challenger'],
        ['challenger share', d.challenger_percent + ' %', 'split'],
        ['revision', String(d.revision), 'revision'],
      ].map(([label, value, testid]) => {
        const div = document.createElement('div');
        div.className = 'card';
        div.textContent = label;
        const b = document.createElement('b');
        b.textContent = value;
        b.dataset.testid = testid;
        div.append(b);
        return div;
      }));
      $('verdict').textContent = stats.verdict.summary;
      $('verdict').dataset.decision = stats.verdict.decision;
      drawVersions(versions);
      drawVariants(stats);
      drawComparison(stats);
      drawDrift(stats);
      const points = stats.series.points;
      lineChart('traffic-chart', points, (p) => p.requests, 'requests per ' + stats.series.step_seconds / 60 + ' min');
      lineChart('latency-chart', points, (p) => p.latency_p99_ms, 'p99 latency (ms)');
      lineChart('outcome-chart', points, (p) => p.outcome_metric, stats.task === 'classification' ? 'accuracy' : 'mean outcome');
      document.body.dataset.loaded = name;
    } catch (error) {
      $('error').textContent = String(error.message || error);
    }
  }

  refresh();
  setInterval(refresh, 15000);
})();
`;

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
