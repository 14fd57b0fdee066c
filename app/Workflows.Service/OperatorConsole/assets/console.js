// The operator console: plain JavaScript against the service's own API, with the operator's API key (kept in this
// tab's session storage, sent only to this origin). No framework and no build step: the page is a thin client of
// endpoints that already validate everything, so the console shows their answers (problem details) as they are.
const KEY = 'workflows.apiKey';
const $ = (selector) => document.querySelector(selector);
const state = { workflow: null, execution: null, poll: null, history: [] };

const EXAMPLE = {
  name: 'double',
  active: true,
  nodes: [{ id: 'calc', type: 'set', parameters: { values: { doubled: '{{ $input.n * 2 }}' } } }],
};

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(child ?? ''));
  return node;
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const key = sessionStorage.getItem(KEY);
  if (key) headers['X-Api-Key'] = key;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON: keep the text */ }
  return { status: response.status, ok: response.ok, json, text };
}

/** A refusal as a person reads it: the problem's title and detail, and each field error under its JSON path. */
function showProblem(target, response, verb) {
  target.replaceChildren();
  const problem = response.json ?? {};
  const lead = {
    401: 'Enter a valid API key first.',
    403: `Refused: this API key may not ${verb} (it needs the write scope).`,
    429: 'Too many requests: wait a moment and try again.',
    503: 'The service is busy or a dependency is down: try again shortly.',
  }[response.status] ?? `${problem.title ?? 'Request failed'} (${response.status})${problem.detail ? `: ${problem.detail}` : ''}`;
  target.append(el('strong', {}, lead));
  const errors = problem.errors ?? {};
  const items = Object.entries(errors).flatMap(([field, messages]) => messages.map((m) => el('li', {}, el('code', {}, field), ' ', m)));
  if (items.length) target.append(el('ul', {}, items));
}

function when(iso) { return iso ? new Date(iso).toLocaleTimeString() : ''; }
function duration(from, to) { return from && to ? String(Math.round(new Date(to) - new Date(from))) : ''; }

// ---- API key ----

function keyStatus(text, ok) {
  const status = $('#key-status');
  status.textContent = text;
  status.className = ok === undefined ? '' : ok ? 'ok' : 'bad';
}

async function useKey(event) {
  event?.preventDefault();
  const key = $('#key').value.trim();
  if (key) sessionStorage.setItem(KEY, key);
  $('#key').value = '';
  await refreshAll();
}

function forgetKey() {
  sessionStorage.removeItem(KEY);
  keyStatus('No key: enter one to see workflows.', false);
  $('#workflow-list tbody').replaceChildren();
}

// ---- workflows ----

async function loadWorkflows() {
  const response = await api('GET', '/api/workflows?limit=100');
  if (!response.ok) {
    keyStatus(response.status === 401 ? 'This key is not valid.' : `Listing failed (${response.status})`, false);
    return;
  }
  keyStatus('Key accepted', true);
  const rows = response.json.items.map((w) => el('tr', { 'data-id': w.id, class: state.workflow?.id === w.id ? 'selected' : '', onclick: () => selectWorkflow(w) },
    el('td', {}, w.name), el('td', {}, String(w.nodes.length)), el('td', {}, w.active ? 'yes' : 'no'), el('td', {}, when(w.updatedAt)),
    el('td', {}, el('button', { type: 'button', onclick: (e) => { e.stopPropagation(); selectWorkflow(w); } }, 'Open'))));
  $('#workflow-list tbody').replaceChildren(...rows);
}

async function createWorkflow(event) {
  event.preventDefault();
  const target = $('#create-errors');
  let definition;
  try {
    definition = JSON.parse($('#definition').value);
  } catch (e) {
    target.replaceChildren(el('strong', {}, `Not JSON: ${e.message}`));
    return;
  }
  const response = await api('POST', '/api/workflows', definition);
  if (!response.ok) { showProblem(target, response, 'create workflows'); return; }
  target.replaceChildren();
  await loadWorkflows();
  await selectWorkflow(response.json);
}

// ---- runs and executions ----

async function selectWorkflow(workflow) {
  state.workflow = workflow;
  $('#run').hidden = false;
  $('#run-name').textContent = workflow.name;
  $('#run-errors').replaceChildren();
  for (const row of document.querySelectorAll('#workflow-list tbody tr')) row.classList.toggle('selected', row.dataset.id === workflow.id);
  await loadExecutions();
}

async function run(event) {
  event.preventDefault();
  const target = $('#run-errors');
  let input;
  try {
    input = JSON.parse($('#input').value || '{}');
  } catch (e) {
    target.replaceChildren(el('strong', {}, `Input is not JSON: ${e.message}`));
    return;
  }
  const response = await api('POST', `/api/workflows/${encodeURIComponent(state.workflow.id)}/execute`, { input });
  if (response.status !== 202) { showProblem(target, response, 'run workflows'); return; }
  target.replaceChildren();
  await showExecution(response.json.executionId);
  await loadExecutions();
}

async function loadExecutions() {
  if (!state.workflow) return;
  const response = await api('GET', `/api/workflows/${encodeURIComponent(state.workflow.id)}/executions?limit=20`);
  if (!response.ok) return;
  const rows = response.json.items.map((x) => el('tr', { 'data-id': x.id, onclick: () => showExecution(x.id) },
    el('td', {}, el('code', {}, x.id.slice(0, 8))), el('td', {}, el('span', { class: `status ${x.status}` }, x.status)),
    el('td', {}, when(x.queuedAt)), el('td', {}, duration(x.startedAt, x.finishedAt)), el('td', {}, String(x.attempts))));
  $('#execution-list tbody').replaceChildren(...rows);
}

const TERMINAL = new Set(['succeeded', 'failed', 'timed-out', 'canceled']);

async function showExecution(id) {
  clearTimeout(state.poll);
  state.execution = id;
  const response = await api('GET', `/api/executions/${encodeURIComponent(id)}`);
  if (!response.ok || state.execution !== id) return;
  const x = response.json;
  $('#execution').hidden = false;
  $('#execution-id').textContent = x.id;
  const status = $('#execution-status');
  status.textContent = x.status;
  status.className = `status ${x.status}`;
  const error = $('#execution-error');
  error.hidden = !x.error;
  error.textContent = x.error ? `${x.error.nodeId ? `${x.error.nodeId}: ` : ''}${x.error.message}` : '';
  const rows = (x.nodes ?? []).map((n) => el('tr', {},
    el('td', {}, n.nodeId), el('td', {}, el('span', { class: `status ${n.status}` }, n.status)),
    el('td', {}, String(n.attempts)), el('td', {}, duration(n.startedAt, n.finishedAt)),
    el('td', {}, el('pre', {}, n.error ?? JSON.stringify(n.output ?? null, null, 1)))));
  $('#node-results tbody').replaceChildren(...rows);
  if (!TERMINAL.has(x.status)) state.poll = setTimeout(() => showExecution(id), 500);
  else loadExecutions();
}

// ---- scaling signals ----

function draw(figure, values, format) {
  const svg = figure.querySelector('svg');
  const known = values.filter((v) => v !== null);
  const max = Math.max(1e-9, ...known);
  const step = 300 / Math.max(1, values.length - 1);
  const points = values.map((v, i) => (v === null ? null : `${(i * step).toFixed(1)},${(58 - (v / max) * 54).toFixed(1)}`)).filter(Boolean);
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points.join(' '));
  svg.replaceChildren(line);
  const last = [...values].reverse().find((v) => v !== null);
  figure.querySelector('[data-value]').textContent = last === undefined ? '–' : format(last);
}

async function loadSignals() {
  const response = await api('GET', '/api/signals');
  if (!response.ok) return;
  const s = response.json;
  $('#instance').textContent = `instance ${s.instance}, ${s.sliceSeconds}-second slices`;
  state.history.push(s.queueLength ?? null);
  state.history = state.history.slice(-s.slices.length);
  const padded = Array(s.slices.length - state.history.length).fill(null).concat(state.history);
  const finished = (slice) => Object.values(slice.executions).reduce((a, b) => a + b, 0);
  draw($('#chart-queue'), padded, (v) => String(v));
  draw($('#chart-rate'), s.slices.map((x) => finished(x) / s.sliceSeconds), (v) => v.toFixed(1));
  draw($('#chart-p95'), s.slices.map((x) => x.p95Milliseconds ?? null), (v) => v.toFixed(0));
  draw($('#chart-cache'), s.slices.map((x) => (x.cacheHits + x.cacheMisses ? x.cacheHits / (x.cacheHits + x.cacheMisses) : null)), (v) => `${(v * 100).toFixed(0)} %`);
}

async function refreshAll() {
  if (!sessionStorage.getItem(KEY)) { forgetKey(); return; }
  await loadWorkflows();
  await loadSignals();
}

document.addEventListener('DOMContentLoaded', () => {
  $('#definition').value = JSON.stringify(EXAMPLE, null, 2);
  $('#key-form').addEventListener('submit', useKey);
  $('#forget').addEventListener('click', forgetKey);
  $('#create-form').addEventListener('submit', createWorkflow);
  $('#run-form').addEventListener('submit', run);
  refreshAll();
  setInterval(() => { if (sessionStorage.getItem(KEY)) loadSignals(); }, 5000);
});
