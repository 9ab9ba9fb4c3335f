'use strict';
// The operator's console. Everything it shows comes from the JSON API and is written as text
// (textContent, text nodes): model descriptions, reasons and warnings are quoted, never parsed as markup.
(() => {
  const $ = (id) => document.getElementById(id);
  const keyInput = $('key');
  keyInput.value = sessionStorage.getItem('switchyard-key') || '';
  const charts = {};
  const colours = { champion: '#2d6cdf', challenger: '#e08a1e', pinned: '#7a7a7a', shadow: '#8e44ad' };
  const VERSIONS_PAGE = 50;

  /** What the page knows: the caller's key, the model shown, and the deployment an edit started from. */
  const state = { caller: null, model: null, deployment: null, editBase: null, versions: [], versionsCursor: null, busy: false, guardrail: null };

  class ApiError extends Error {
    constructor(status, body) {
      super((body.title || 'HTTP ' + status) + (body.detail ? ': ' + body.detail : ''));
      this.status = status;
      this.body = body;
    }
  }

  async function api(path, init = {}) {
    const headers = Object.assign({}, init.headers || {});
    if (keyInput.value) headers.authorization = 'Bearer ' + keyInput.value;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method: init.method || 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) });
    if (response.status === 204) return null;
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }
  const modelPath = (suffix) => '/v1/models/' + encodeURIComponent(state.model) + suffix;

  // ---- text helpers -------------------------------------------------------------------------------
  const fixed = (value, digits) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
  const percent = (value) => (value === null || value === undefined ? '–' : (value * 100).toFixed(2) + ' %');
  const show = (value) => (value === null || value === undefined ? '–' : typeof value === 'object' ? JSON.stringify(value) : String(value));
  /** An element with text and child elements; strings always become text nodes. */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (name === 'testid') node.dataset.testid = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined).map((child) => (typeof child === 'string' ? document.createTextNode(child) : child)));
    return node;
  }
  const cell = (text, testid) => el('td', testid ? { testid } : {}, text === null || text === undefined ? '–' : String(text));
  const row = (...cells) => el('tr', {}, ...cells);
  const fill = (tableId, rows) => $(tableId).tBodies[0].replaceChildren(...rows);

  // Times in the viewer's zone, with the zone named where times are read.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
  function zoneOffset(date) {
    const minutes = -date.getTimezoneOffset();
    const sign = minutes < 0 ? '−' : '+';
    const abs = Math.abs(minutes);
    return 'UTC' + sign + String(Math.floor(abs / 60)).padStart(2, '0') + ':' + String(abs % 60).padStart(2, '0');
  }
  const zoneLabel = () => zone + ', ' + zoneOffset(new Date());
  const dateTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const localTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '–');

  // ---- role ---------------------------------------------------------------------------------------
  const mayOperate = () => {
    const caller = state.caller;
    if (!caller || !caller.effective_roles.includes('operator')) return false;
    return caller.models === null || caller.models.includes(state.model);
  };

  async function loadCaller() {
    state.caller = null;
    try {
      state.caller = await api('/v1/keys/me');
      const who = state.caller.auth_enabled ? (state.caller.name || state.caller.id) + ': ' + state.caller.roles.join(', ') : 'auth off: every role';
      $('role').textContent = who + (state.caller.models ? ' (models: ' + state.caller.models.join(', ') + ')' : '');
    } catch (error) {
      $('role').textContent = error.status === 401 ? 'no valid key' : error.status === 403 ? 'key may not read the registry' : 'role unknown';
    }
  }

  // ---- model list ---------------------------------------------------------------------------------
  async function allModels() {
    const items = [];
    let cursor = null;
    do {
      const page = await api('/v1/models?limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  async function drawModelList() {
    const [models, deployments] = await Promise.all([allModels(), api('/v1/deployments')]);
    const byModel = new Map(deployments.items.map((d) => [d.model, d]));
    const selected = selectedModel();
    $('models').replaceChildren(...models.map((m) => {
      const d = byModel.get(m.name);
      const status = !d ? 'no champion' : 'v' + d.champion.version + (d.challenger ? ' · challenger v' + d.challenger.version + ' at ' + d.challenger_percent + ' %' : '');
      const link = el('a', { href: '#model=' + encodeURIComponent(m.name), testid: 'model-link' }, el('span', { className: 'name' }, m.name), el('small', { testid: 'model-status' }, status));
      if (m.name === selected) link.className = 'selected';
      return link;
    }));
  }

  const selectedModel = () => new URLSearchParams(location.hash.slice(1)).get('model');

  // ---- deployment and controls --------------------------------------------------------------------
  function drawDeployment(model) {
    const d = model.deployment;
    state.deployment = d;
    $('deployment').replaceChildren(...[
      ['champion', d.champion ? 'v' + d.champion.version : 'none', 'champion'],
      ['challenger', d.challenger ? 'v' + d.challenger.version : 'none', 'challenger'],
      ['challenger share', d.challenger_percent + ' %', 'split'],
      ['shadow', d.shadow ? 'v' + d.shadow.version + (d.shadow_percent !== undefined ? ' (' + d.shadow_percent + ' % copied)' : '') : null, 'shadow-version'],
      ['revision', String(d.revision), 'revision'],
      ['last change', d.updated_at ? localTime(d.updated_at) + ' by ' + (d.updated_by || '?') : '–', 'updated'],
    ].filter(([, value]) => value !== null).map(([label, value, testid]) => el('div', { className: 'card' }, label, el('b', { testid }, value))));
    fill('rollout', (d.rollout || []).map((r) => row(cell(r.replica), cell(r.state, 'rollout-state'), cell(r.serving_revision), cell(r.target_revision), cell(r.champion), cell(r.challenger), cell(r.reason), cell(localTime(r.reported_at)))));
    fill('aliases', Object.entries(model.aliases).sort(([a], [b]) => a.localeCompare(b)).map(([alias, version]) => row(cell(alias), cell('v' + version, 'alias-' + alias))));
    if (!state.editBase) setWeightInputs(d.challenger_percent);
    drawControls();
  }

  function setWeightInputs(value) {
    $('weight').value = String(value);
    $('weight-value').value = String(value);
  }

  function drawControls() {
    const d = state.deployment;
    const allowed = mayOperate();
    const why = allowed ? '' : state.caller ? 'needs the operator role' + (state.caller.auth_enabled ? ' (this key: ' + state.caller.effective_roles.join(', ') + ')' : '') : 'needs a key with the operator role';
    const ready = state.versions.filter((v) => v.status === 'ready' && (!d.champion || v.version !== d.champion.version));
    const select = $('challenger-version');
    const chosen = select.value;
    select.replaceChildren(...ready.map((v) => el('option', { value: String(v.version) }, 'v' + v.version)));
    if (ready.some((v) => String(v.version) === chosen)) select.value = chosen;
    const enable = (id, on, reason) => {
      const control = $(id);
      control.disabled = !on;
      if (on) control.removeAttribute('title');
      else control.title = reason;
    };
    const idle = !state.busy;
    for (const id of ['weight', 'weight-value', 'weight-apply']) enable(id, allowed && idle && Boolean(d.challenger), allowed ? 'the model has no challenger' : why);
    enable('challenger-version', allowed && idle && ready.length > 0, allowed ? 'no other ready version' : why);
    enable('set-challenger', allowed && idle && ready.length > 0 && Boolean(d.champion), allowed ? 'needs a champion and another ready version' : why);
    enable('promote', allowed && idle && Boolean(d.challenger), allowed ? 'the model has no challenger' : why);
    enable('rollback', allowed && idle && Boolean(d.previous_champion), allowed ? 'there is no previous champion' : why);
    $('controls-note').textContent = allowed ? '' : 'Read only: ' + why + '.';
    for (const id of GUARDRAIL_INPUTS) enable(id, allowed && idle, why);
    enable('guardrail-save', allowed && idle, why);
    enable('guardrail-remove', allowed && idle && Boolean(state.guardrail), allowed ? 'the model has no guardrail' : why);
  }

  /** Where an edit began: a change is sent with this revision, so a change made meanwhile elsewhere is a conflict, not overwritten. */
  function beginEdit() {
    if (!state.editBase) state.editBase = state.deployment;
  }
  $('weight').addEventListener('input', () => { beginEdit(); $('weight-value').value = $('weight').value; });
  $('weight-value').addEventListener('input', () => { beginEdit(); $('weight').value = $('weight-value').value; });

  async function change(description, send) {
    const base = state.editBase || state.deployment;
    state.busy = true;
    drawControls();
    $('error').textContent = '';
    try {
      await send({ 'if-match': '"' + base.revision + '"' });
      state.editBase = null;
      $('conflict').hidden = true;
      await refresh();
    } catch (error) {
      if (error.status === 412) await showConflict(base, description);
      else $('error').textContent = description + ' failed: ' + error.message;
    } finally {
      state.busy = false;
      drawControls();
    }
  }

  /** A change refused as stale: what changed since the page loaded, and a way to start again from now. */
  async function showConflict(base, description) {
    const now = await api(modelPath('/deployment'));
    const version = (ref) => (ref ? 'v' + ref.version : 'none');
    const fields = [
      ['revision', String(base.revision), String(now.revision)],
      ['champion', version(base.champion), version(now.champion)],
      ['challenger', version(base.challenger), version(now.challenger)],
      ['challenger share', base.challenger_percent + ' %', now.challenger_percent + ' %'],
      ['changed by', base.updated_by || '–', now.updated_by || '–'],
      ['changed at', localTime(base.updated_at), localTime(now.updated_at)],
    ];
    $('conflict-text').textContent = 'Not applied (' + description + '): the deployment changed after you began (revision ' + base.revision + ' → ' + now.revision + '). Nothing was changed by you. Reload to start from what is deployed now.';
    fill('conflict-changes', fields.filter(([, before, after]) => before !== after).map(([name, before, after]) => row(cell(name), cell(before), cell(after))));
    $('conflict').hidden = false;
  }
  $('conflict-reload').addEventListener('click', async () => {
    state.editBase = null;
    $('conflict').hidden = true;
    await refresh();
  });

  $('weight-apply').addEventListener('click', () => {
    const percentValue = Number($('weight-value').value);
    change('challenger share → ' + percentValue + ' %', (headers) => api(modelPath('/traffic'), { method: 'PUT', json: { challenger_percent: percentValue }, headers }));
  });

  /** Asks for a confirmation and a reason; resolves with the reason, or null when cancelled. */
  function confirmChange(text) {
    const dialog = $('confirm');
    $('confirm-text').textContent = text;
    $('confirm-reason').value = '';
    dialog.showModal();
    return new Promise((resolve) => {
      const done = (value) => {
        $('confirm-ok').removeEventListener('click', ok);
        $('confirm-cancel').removeEventListener('click', cancel);
        dialog.removeEventListener('cancel', cancel);
        dialog.close();
        resolve(value);
      };
      const ok = () => done($('confirm-reason').value.trim());
      const cancel = () => done(null);
      $('confirm-ok').addEventListener('click', ok);
      $('confirm-cancel').addEventListener('click', cancel);
      dialog.addEventListener('cancel', cancel);
    });
  }

  async function confirmedChange(text, description, send) {
    beginEdit();
    const reason = await confirmChange(text);
    if (reason === null) { state.editBase = null; return; }
    await change(description, (headers) => send(headers, reason || undefined));
  }

  $('promote').addEventListener('click', () => {
    const d = state.deployment;
    confirmedChange('Promote challenger v' + d.challenger.version + ' to champion (v' + d.champion.version + ' becomes the rollback target, the share returns to 0 %)?', 'promote',
      (headers, reason) => api(modelPath('/promote'), { method: 'POST', json: { reason }, headers }));
  });
  $('rollback').addEventListener('click', () => {
    const d = state.deployment;
    confirmedChange('Roll back: v' + d.previous_champion.version + ' becomes champion again in place of v' + d.champion.version + '?', 'rollback',
      (headers, reason) => api(modelPath('/rollback'), { method: 'POST', json: { reason }, headers }));
  });
  $('set-challenger').addEventListener('click', () => {
    const version = Number($('challenger-version').value);
    confirmedChange('Make v' + version + ' the challenger (at the current share, ' + state.deployment.challenger_percent + ' %)?', 'set challenger v' + version,
      (headers, reason) => api(modelPath('/aliases/challenger'), { method: 'PUT', json: { version, reason }, headers }));
  });

  // ---- versions -----------------------------------------------------------------------------------
  function versionRow(v, aliasesOf) {
    const notes = el('td', { testid: 'validation-v' + v.version });
    const warnings = (v.validation && v.validation.warnings) || [];
    if (v.status_reason) notes.textContent = v.status_reason;
    else if (warnings.length) notes.append('ready with warnings:', el('ul', {}, ...warnings.map((warning) => el('li', {}, warning))));
    else notes.textContent = v.validation && v.validation.smoke_input ? 'checked on ' + v.validation.smoke_input : '';
    const metadata = v.metadata || {};
    const metrics = el('td', { testid: 'metrics-v' + v.version }, Object.entries(metadata.metrics || {}).map(([name, value]) => name + ' = ' + show(value)).join(', '));
    const io = (list) => (list || []).map((t) => t.name + ' ' + t.datatype + ' [' + t.shape.join(', ') + ']').join('; ');
    const signature = el('td', {}, v.signature ? 'in: ' + io(v.signature.inputs) + ' · out: ' + io(v.signature.outputs) : '–');
    const example = el('td', {});
    if (metadata.input_example !== undefined) {
      const text = JSON.stringify(metadata.input_example);
      example.append(el('details', {}, el('summary', {}, text.length > 40 ? text.slice(0, 40) + '…' : text), el('pre', {}, JSON.stringify(metadata.input_example, null, 1))));
    }
    return row(cell('v' + v.version), cell(v.status, 'status-v' + v.version), cell((aliasesOf.get(v.version) || []).join(', ')), cell(localTime(v.created_at)), notes, metrics, signature, example);
  }

  function drawVersions(model) {
    const aliasesOf = new Map();
    for (const [alias, version] of Object.entries(model.aliases)) aliasesOf.set(version, [...(aliasesOf.get(version) || []), alias]);
    fill('versions', state.versions.map((v) => versionRow(v, aliasesOf)));
    $('versions-more').hidden = !state.versionsCursor;
  }

  async function loadVersions(shown) {
    const page = await api(modelPath('/versions?limit=' + Math.max(VERSIONS_PAGE, shown)));
    state.versions = page.items;
    state.versionsCursor = page.next_cursor;
  }
  $('versions-more').addEventListener('click', async () => {
    try {
      const page = await api(modelPath('/versions?limit=' + VERSIONS_PAGE + '&cursor=' + encodeURIComponent(state.versionsCursor)));
      state.versions.push(...page.items);
      state.versionsCursor = page.next_cursor;
      drawVersions(state.lastModel);
      drawControls();
    } catch (error) {
      $('error').textContent = String(error.message || error);
    }
  });

  // ---- statistics ---------------------------------------------------------------------------------
  function outcomeText(outcome) {
    if (outcome.metric === 'accuracy') return [percent(outcome.accuracy), outcome.interval ? percent(outcome.interval.low) + ' – ' + percent(outcome.interval.high) : '–'];
    return [fixed(outcome.mean, 4), outcome.interval ? fixed(outcome.interval.low, 4) + ' – ' + fixed(outcome.interval.high, 4) : '–'];
  }

  function drawVariants(stats) {
    fill('variants', stats.variants.map((v) => {
      const [outcome, interval] = outcomeText(v.outcome);
      const maxDrift = v.drift.length ? v.drift[0].psi : null;
      return row(
        cell(v.variant), cell(v.versions.join(', ')),
        cell(String(v.requests), 'requests-' + v.variant), cell(percent(v.error_rate), 'error-rate-' + v.variant),
        cell(fixed(v.latency_ms.p50, 2), 'p50-' + v.variant), cell(fixed(v.latency_ms.p95, 2), 'p95-' + v.variant), cell(fixed(v.latency_ms.p99, 2), 'p99-' + v.variant),
        cell(outcome, 'outcome-' + v.variant), cell(interval), cell(String(v.outcome.count), 'outcomes-' + v.variant), cell(fixed(maxDrift, 3), 'drift-' + v.variant),
      );
    }));
    // Model quality from ground-truth labels, when the report has it.
    const sources = stats.variants.filter((v) => v.quality).map((v) => [v.variant, v.quality]);
    if (stats.shadow && stats.shadow.quality) sources.push(['shadow', stats.shadow.quality]);
    $('quality').hidden = sources.length === 0;
    fill('quality', sources.flatMap(([variant, quality]) => Object.entries(quality.metrics || {}).map(([name, metric]) =>
      row(cell(variant), cell(quality.labelled), cell(name), cell(fixed(metric.value, 4), 'quality-' + variant + '-' + name), cell(metric.interval ? fixed(metric.interval.low, 4) + ' – ' + fixed(metric.interval.high, 4) : '–')))));
  }

  function drawComparison(stats) {
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
    if (c && c.quality) {
      const q = c.quality;
      rows.push(['quality difference (' + q.metric + ', ' + q.better + ' is better)', fixed(q.difference, 4) + (q.interval ? '  [' + fixed(q.interval.low, 4) + ', ' + fixed(q.interval.high, 4) + ']' : '') + (q.p_value !== undefined && q.p_value !== null ? ', p = ' + Number(q.p_value).toPrecision(3) : ''), 'quality-difference']);
    }
    fill('comparison', rows.map(([name, value, testid]) => row(cell(name), cell(value, testid))));
  }

  function drawShadow(stats) {
    const s = stats.shadow;
    $('shadow').hidden = !s;
    if (!s) return;
    const rows = [
      ['version', s.version === null ? '–' : 'v' + s.version],
      ['requests', s.requests],
      ['errors', s.errors + ' (' + percent(s.error_rate) + ')'],
      ['latency p50 / p95 / p99 ms', fixed(s.latency_ms.p50, 2) + ' / ' + fixed(s.latency_ms.p95, 2) + ' / ' + fixed(s.latency_ms.p99, 2)],
    ];
    if (s.agreement) rows.push(['agreement with the champion', percent(s.agreement.rate) + (s.agreement.interval ? ' [' + percent(s.agreement.interval.low) + ', ' + percent(s.agreement.interval.high) + ']' : '') + ' over ' + s.agreement.compared]);
    if (s.output_difference) {
      const o = s.output_difference;
      rows.push(['output − champion (mean, mean |·|, p50 |·|, p95 |·|)', [o.mean, o.mean_absolute, o.p50_absolute, o.p95_absolute].map((x) => fixed(x, 4)).join(', ') + ' over ' + o.compared]);
    }
    fill('shadow-table', rows.map(([name, value]) => row(cell(name), cell(value, 'shadow-' + String(name).split(' ')[0]))));
  }

  function drawDrift(stats) {
    $('drift-reference').textContent = 'reference: ' + localTime(stats.drift_reference.from) + ' – ' + localTime(stats.drift_reference.to) + ' (' + stats.drift_reference.requests + ' requests)';
    fill('drift', stats.variants.flatMap((v) => v.drift.map((d) => row(cell(v.variant), cell(d.input), cell(fixed(d.psi, 4)), cell(d.level)))));
  }

  // ---- charts: a linear axis of epoch milliseconds, ticked and labelled in the viewer's local time ----
  const TICK_STEPS_MS = [60e3, 5 * 60e3, 10 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 2 * 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3];

  /** Tick values at round local times (whole hours, local midnights) between `min` and `max`. */
  function localTicks(min, max) {
    const span = max - min;
    const step = TICK_STEPS_MS.find((candidate) => span / candidate <= 7) || 86400e3 * Math.ceil(span / 7 / 86400e3);
    const start = new Date(min);
    start.setHours(0, 0, 0, 0);
    const ticks = [];
    // Walk in local calendar steps from local midnight, so ticks stay on round local times across DST.
    for (let day = new Date(start); day.getTime() <= max; day.setDate(day.getDate() + Math.max(1, Math.round(step / 86400e3)))) {
      if (step >= 86400e3) { if (day.getTime() >= min) ticks.push(day.getTime()); continue; }
      for (let t = day.getTime(); t < day.getTime() + 86400e3 && t <= max; t += step) if (t >= min) ticks.push(t);
    }
    return ticks;
  }
  // 24-hour labels: short enough for a narrow axis, and not ambiguous.
  const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const dayAndTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

  /** One series per variant with a value at every step of the window, null where the window had no traffic (drawn as a gap). */
  function seriesOf(points, value, from, to, stepMs) {
    const variants = [...new Set(points.map((p) => p.variant))];
    const first = Math.floor(from / stepMs) * stepMs;
    return variants.map((variant) => {
      const byTime = new Map(points.filter((p) => p.variant === variant).map((p) => [Date.parse(p.at), value(p)]));
      const data = [];
      for (let t = first; t <= to; t += stepMs) {
        const y = byTime.get(t);
        data.push({ x: t, y: y === undefined ? null : y });
      }
      return { label: variant, borderColor: colours[variant] || '#444', backgroundColor: colours[variant] || '#444', data, spanGaps: false, pointRadius: 2 };
    });
  }

  function lineChart(id, stats, value, label) {
    const from = Date.parse(stats.from);
    const to = Date.parse(stats.to);
    const data = { datasets: seriesOf(stats.series.points, value, from, to, stats.series.step_seconds * 1000) };
    const longWindow = to - from > 86400e3;
    const options = {
      animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
      plugins: {
        title: { display: true, text: label },
        tooltip: { callbacks: { title: (items) => (items.length ? dateTime.format(new Date(items[0].parsed.x)) + ' (' + zone + ')' : '') } },
      },
      scales: {
        x: {
          type: 'linear', min: from, max: to,
          title: { display: true, text: 'time (' + zoneLabel() + ')' },
          afterBuildTicks: (axis) => { axis.ticks = localTicks(from, to).map((v) => ({ value: v })); },
          ticks: { autoSkip: false, maxRotation: 0, callback: (v) => (longWindow ? dayAndTime : timeOfDay).format(new Date(v)) },
        },
        y: { beginAtZero: true },
      },
    };
    if (charts[id]) { charts[id].data = data; charts[id].options = options; charts[id].update(); }
    else charts[id] = new Chart($(id), { type: 'line', data, options });
  }

  // ---- plan, guardrail, audit ---------------------------------------------------------------------
  async function drawPlan() {
    let plan = null;
    try {
      plan = await api(modelPath('/rollout-plan'));
    } catch (error) {
      // No plan (404), or a registry without plans: the section stays hidden.
      if (error.status !== 404 && error.status !== 405) throw error;
    }
    $('plan').hidden = !plan;
    if (!plan) return;
    const steps = Array.isArray(plan.steps) ? plan.steps : [];
    const step = typeof plan.current_step === 'number' ? 'step ' + (plan.current_step + 1) + ' of ' + steps.length : show(plan.current_step);
    const samples = plan.samples || {};
    fill('plan-summary', [
      row(cell('state'), cell(show(plan.state), 'plan-state')),
      row(cell('step'), cell(step + (steps[plan.current_step] !== undefined ? ': ' + show(steps[plan.current_step]) : ''), 'plan-step')),
      row(cell('step started'), cell(localTime(plan.step_started_at))),
      row(cell('samples'), cell(show(samples.requests) + ' requests, ' + show(samples.outcomes) + ' outcomes', 'plan-samples')),
      row(cell('reason'), cell(show(plan.reason), 'plan-reason')),
    ]);
    fill('plan-evidence', Object.entries(plan.evidence || {}).map(([name, value]) => row(cell(name), cell(show(value), 'evidence-' + name))));
  }

  const GUARDRAIL_INPUTS = ['g-error', 'g-p99', 'g-outcome', 'g-min', 'g-window'];

  async function drawGuardrail() {
    const g = await api(modelPath('/guardrails'));
    state.guardrail = g.guardrail;
    // The editor shows the guardrail in force, unless the operator is typing in it.
    if (!$('guardrail-editor').contains(document.activeElement)) {
      const current = g.guardrail || {};
      const number = (value) => (value === null || value === undefined ? '' : String(value));
      $('g-error').value = number(current.max_error_rate_increase);
      $('g-p99').value = number(current.max_p99_latency_ratio);
      $('g-outcome').checked = current.trip_on_worse_outcome === true;
      $('g-min').value = number(current.min_requests);
      $('g-window').value = number(current.window_minutes);
    }
    const rows = g.guardrail ? Object.entries(g.guardrail).map(([name, value]) => row(cell(name), cell(show(value)))) : [row(cell('guardrail'), cell('none'))];
    if (g.last_evaluation) {
      rows.push(row(cell('last evaluation'), cell(g.last_evaluation.state + ' at ' + localTime(g.last_evaluation.checked_at), 'guardrail-state')));
      rows.push(row(cell('detail'), cell(g.last_evaluation.detail)));
    }
    fill('guardrail', rows);
    if (state.deployment) drawControls();
  }

  function describeChange(entry) {
    const b = entry.before || {};
    const a = entry.after || {};
    const parts = [];
    const v = (x) => (x === null || x === undefined ? 'none' : 'v' + x);
    if (b.champion !== a.champion) parts.push('champion ' + v(b.champion) + ' → ' + v(a.champion));
    if (b.challenger !== a.challenger) parts.push('challenger ' + v(b.challenger) + ' → ' + v(a.challenger));
    if (b.challenger_percent !== a.challenger_percent) parts.push('share ' + b.challenger_percent + ' % → ' + a.challenger_percent + ' %');
    const aliases = new Set([...Object.keys(b.aliases || {}), ...Object.keys(a.aliases || {})]);
    for (const alias of aliases) {
      if (alias === 'champion' || alias === 'challenger') continue;
      if ((b.aliases || {})[alias] !== (a.aliases || {})[alias]) parts.push(alias + ' ' + v((b.aliases || {})[alias]) + ' → ' + v((a.aliases || {})[alias]));
    }
    return parts.join(', ') || 'revision ' + b.revision + ' → ' + a.revision;
  }

  async function drawAudit() {
    const audit = await api(modelPath('/audit?limit=50'));
    $('audit').replaceChildren(...audit.items.map((entry) => el('li', { testid: 'audit-entry' },
      el('time', { datetime: entry.at }, localTime(entry.at)), ' ',
      el('b', {}, entry.action), ' by ', entry.actor, ': ', describeChange(entry),
      entry.reason ? el('q', { testid: 'audit-reason' }, entry.reason) : null)));
  }

  /** The guardrail as the editor holds it; empty fields are left out (the registry's defaults apply). */
  function guardrailFromEditor() {
    const body = {};
    const number = (id, field) => { if ($(id).value.trim() !== '') body[field] = Number($(id).value); };
    number('g-error', 'max_error_rate_increase');
    number('g-p99', 'max_p99_latency_ratio');
    number('g-min', 'min_requests');
    number('g-window', 'window_minutes');
    if ($('g-outcome').checked) body.trip_on_worse_outcome = true;
    return body;
  }

  async function guardrailChange(description, send) {
    state.busy = true;
    drawControls();
    $('error').textContent = '';
    try {
      await send();
      if (document.activeElement) document.activeElement.blur();
      await refresh();
    } catch (error) {
      const fields = error.body && Array.isArray(error.body.errors) ? ' (' + error.body.errors.map((e) => e.field + ': ' + e.message).join('; ') + ')' : '';
      $('error').textContent = description + ' failed: ' + error.message + fields;
    } finally {
      state.busy = false;
      drawControls();
    }
  }
  $('guardrail-save').addEventListener('click', () => guardrailChange('saving the guardrail', () => api(modelPath('/guardrails'), { method: 'PUT', json: guardrailFromEditor() })));
  $('guardrail-remove').addEventListener('click', async () => {
    if ((await confirmChange('Remove the guardrail? The challenger will no longer be stopped automatically.')) === null) return;
    await guardrailChange('removing the guardrail', () => api(modelPath('/guardrails'), { method: 'DELETE' }));
  });

  // ---- the page -----------------------------------------------------------------------------------
  async function refresh() {
    $('error').textContent = '';
    try {
      const name = selectedModel();
      if (name !== state.model) { state.model = name; state.editBase = null; state.versions = []; $('conflict').hidden = true; }
      const caller = state.caller ? null : loadCaller();
      if (!name) { await Promise.all([drawModelList(), caller]); return; }
      // All requests at once, in the order the page needs them (a browser sends six at a time to one
      // origin): the deployment and versions, then the statistics (the slowest to compute), then the
      // sections that stand alone, which draw as soon as their answer arrives. The catches only keep an
      // early failure from leaving a promise unhandled; each is awaited below.
      const modelAnswer = Promise.all([api(modelPath('')), loadVersions(state.versions.length), caller]);
      const to = new Date();
      const from = new Date(to.getTime() - Number($('range').value) * 1000);
      const statsAnswer = api(modelPath('/stats?from=' + from.toISOString() + '&to=' + to.toISOString()));
      const sections = Promise.all([drawPlan(), drawGuardrail(), drawAudit(), drawModelList()]);
      for (const pending of [modelAnswer, statsAnswer, sections]) pending.catch(() => undefined);
      const [model] = await modelAnswer;
      state.lastModel = model;
      $('title').textContent = name;
      $('description').textContent = model.description;
      drawVersions(model);
      drawDeployment(model);
      if (!document.body.dataset.firstModelMs) document.body.dataset.firstModelMs = String(Math.round(window.performance.now()));
      const stats = await statsAnswer;
      $('title').textContent = name + ' (' + stats.task + ')';
      $('verdict').textContent = stats.verdict.summary;
      $('verdict').dataset.decision = stats.verdict.decision;
      drawVariants(stats);
      drawComparison(stats);
      drawShadow(stats);
      drawDrift(stats);
      $('time-zone').textContent = 'Times in ' + zoneLabel() + '; one point per ' + stats.series.step_seconds / 60 + ' min, gaps where a variant had no traffic.';
      lineChart('traffic-chart', stats, (p) => p.requests, 'requests per ' + stats.series.step_seconds / 60 + ' min');
      lineChart('latency-chart', stats, (p) => p.latency_p99_ms, 'p99 latency (ms)');
      lineChart('outcome-chart', stats, (p) => p.outcome_metric, stats.task === 'classification' ? 'accuracy' : 'mean outcome');
      await sections;
      document.body.dataset.loaded = name;
      document.body.dataset.revision = String(model.deployment.revision);
      // Milliseconds from navigation until the first complete page (the load time the console test logs).
      if (!document.body.dataset.firstLoadMs) document.body.dataset.firstLoadMs = String(Math.round(window.performance.now()));
    } catch (error) {
      $('error').textContent = String(error.message || error);
    }
  }

  keyInput.addEventListener('change', () => { sessionStorage.setItem('switchyard-key', keyInput.value); state.caller = null; refresh(); });
  $('range').addEventListener('change', () => refresh());
  window.addEventListener('hashchange', () => refresh());
  refresh();
  // Refreshes what is shown; an edit in progress keeps the revision it began from (see beginEdit).
  setInterval(() => { if (!state.busy && !$('confirm').open) refresh(); }, 15000);
})();
