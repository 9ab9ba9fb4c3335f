'use strict';
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
      ['sample ratio (chi-square, weights then in force)', c.sample_ratio ? (c.sample_ratio.mismatch ? 'MISMATCH' : 'ok') + ', p = ' + c.sample_ratio.p_value.toPrecision(3) : '–', 'srm'],
      ['compared', c.window ? c.window.minutes + ' min while both were live, ' + c.window.from + ' – ' + c.window.to : '–', 'compared-window'],
      ['quality difference (' + (c.quality ? c.quality.metric + ', ' + c.quality.better + ' is better' : 'labels') + ')', c.quality
        ? fixed(c.quality.difference, 4) + '  [' + fixed(c.quality.interval.low, 4) + ', ' + fixed(c.quality.interval.high, 4) + ']' + (c.quality.sequential ? ', ' + c.quality.sequential.decision + ', always-valid p = ' + c.quality.sequential.always_valid_p_value.toPrecision(3) : '')
        : 'no ground-truth labels yet', 'quality'],
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
