// The dashboard's one script (docs/design.md §1 `GET /dashboard`): plain browser JavaScript, no build.
// It asks for the admin key once (sessionStorage: this tab only), then every few seconds reads
// GET /admin/stats (rollups: cheap however large the log), /admin/routing (breakers, health) and
// /admin/requests?status=error, and redraws. Charts are uPlot (vendored under /dashboard/vendor/).
/* global uPlot */

const REFRESH_MS = 5000;
const KEY_ITEM = 'switchyard.adminKey';
const COLORS = ['#58a6ff', '#3fb950', '#d29922', '#f85149', '#bc8cff', '#39c5cf', '#ff7b72', '#a5d6ff'];

const charts = new Map();
// Read by the browser test (test/dashboard/dashboard-browser.test.ts) to check what each chart holds.
window.dashboardCharts = charts;
const colorOf = new Map();
let timer;

function color(name) {
  if (!colorOf.has(name)) colorOf.set(name, COLORS[colorOf.size % COLORS.length]);
  return colorOf.get(name);
}

async function api(path) {
  const key = sessionStorage.getItem(KEY_ITEM);
  const response = await fetch(path, { headers: { authorization: `Bearer ${key}` } });
  if (response.status === 401) throw Object.assign(new Error('The admin key was refused.'), { auth: true });
  if (response.status === 404)
    throw Object.assign(new Error('The admin API is off (set server.admin_key).'), { auth: true });
  const body = await response.json();
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name === 'style') Object.assign(node.style, value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child);
  return node;
}

/** A request refused before its body was read (a bad key) names no model. */
function modelLabel(model) {
  return model === '' ? '(body not read)' : model;
}

function usd(value) {
  if (value === null || value === undefined) return '—';
  return value >= 1 ? `$${value.toFixed(2)}` : `$${value.toPrecision(3)}`;
}

/** One time-series chart: x = bucket times, one line per series name; rebuilt when the names change. */
function drawSeries(id, time, lines, unit) {
  const container = document.getElementById(id);
  const names = Object.keys(lines).sort();
  if (names.length === 0 || time.length === 0) {
    charts.get(id)?.plot.destroy();
    charts.delete(id);
    container.replaceChildren(el('div', { class: 'empty' }, 'no data in this window yet'));
    return;
  }
  const data = [time, ...names.map((name) => lines[name])];
  const signature = `${names.join('|')}#${time.length}`;
  const existing = charts.get(id);
  if (existing !== undefined && existing.signature === signature) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  container.replaceChildren();
  const plot = new uPlot(
    {
      width: Math.max(300, container.clientWidth || 480),
      height: 220,
      spanGaps: false,
      scales: { x: { time: true } },
      axes: [
        { stroke: '#8a96a3', grid: { stroke: '#26313c' } },
        {
          stroke: '#8a96a3',
          grid: { stroke: '#26313c' },
          values: (_u, ticks) => ticks.map((t) => `${t}${unit}`),
        },
      ],
      series: [
        {},
        ...names.map((name) => ({ label: name, stroke: color(name), width: 2, points: { show: false } })),
      ],
    },
    data,
    container,
  );
  charts.set(id, { plot, signature });
}

function percentSeries(lines) {
  const out = {};
  for (const [name, values] of Object.entries(lines))
    out[name] = values.map((v) => (v === null ? null : Math.round(v * 1000) / 10));
  return out;
}

/** Each provider's share of the requests answered in each bucket, in percent. */
function shareSeries(traffic, length) {
  const totals = new Array(length).fill(0);
  for (const values of Object.values(traffic)) {
    for (let i = 0; i < values.length; i++) totals[i] += values[i];
  }
  const out = {};
  for (const [name, values] of Object.entries(traffic))
    out[name] = values.map((v, i) => (totals[i] === 0 ? null : Math.round((v / totals[i]) * 1000) / 10));
  return out;
}

/**
 * A spend label that never shows an unknown cost as zero: `unknown (N unpriced)` when nothing was
 * priced, `≥ $x + N unpriced` when some was (the rollup's `unpriced_requests`).
 */
function spendLabel(costUsd, unpriced) {
  if (!unpriced) return usd(costUsd);
  if (costUsd === null) return `unknown (${unpriced} unpriced)`;
  return `≥ ${usd(costUsd)} + ${unpriced} unpriced`;
}

function bars(id, items, emptyText) {
  const container = document.getElementById(id);
  if (items.length === 0) {
    container.replaceChildren(el('div', { class: 'empty' }, emptyText));
    return;
  }
  const max = Math.max(...items.map((item) => Math.max(item.value, item.limit ?? 0)), 1e-12);
  container.replaceChildren(
    ...items.map((item) => {
      const track = el(
        'div',
        { class: 'track' },
        el('div', {
          class: 'fill',
          style: { width: `${(item.value / max) * 100}%`, background: item.color },
        }),
      );
      if (item.limit)
        track.append(el('div', { class: 'limit', style: { left: `${(item.limit / max) * 100}%` } }));
      return el(
        'div',
        { class: item.unpriced ? 'bar unpriced' : 'bar', 'data-name': item.name },
        el('span', {}, item.name),
        track,
        el('span', {}, item.label),
      );
    }),
  );
}

function renderStats(stats) {
  const time = stats.series.time;
  drawSeries('chart-traffic', time, shareSeries(stats.series.traffic, time.length), '%');
  drawSeries('chart-success', time, percentSeries(stats.series.success_rate), '%');
  drawSeries('chart-latency', time, stats.series.latency_p95_ms, 'ms');
  drawSeries('chart-errors', time, stats.series.errors, '');
  bars(
    'tenants',
    stats.tenants.map((t) => ({
      name: t.tenant,
      value: t.spent_usd,
      limit: t.budget_usd,
      color: t.budget_usd !== null && t.spent_usd >= t.budget_usd * 0.8 ? '#f85149' : '#58a6ff',
      label:
        t.budget_usd === null
          ? `${usd(t.spent_usd)} / ${t.period}`
          : `${usd(t.spent_usd)} of ${usd(t.budget_usd)}`,
    })),
    'no tenants configured',
  );
  bars(
    'spend',
    [
      ...stats.providers.map((p) => ({
        name: p.provider,
        value: p.cost_usd ?? 0,
        color: color(p.provider),
        label: spendLabel(p.cost_usd, p.unpriced_requests),
        unpriced: p.unpriced_requests,
      })),
      ...stats.models.map((m) => ({
        name: `model ${modelLabel(m.model)}`,
        value: m.cost_usd ?? 0,
        color: '#8a96a3',
        label: spendLabel(m.cost_usd, m.unpriced_requests),
        unpriced: m.unpriced_requests,
      })),
    ],
    'no spend in this window',
  );
  const cache = stats.cache;
  const rate = cache.hit_rate === null ? 0 : cache.hit_rate;
  document
    .getElementById('cache')
    .replaceChildren(
      el('div', { class: 'big' }, `${Math.round(rate * 1000) / 10}% hits`),
      el(
        'div',
        { class: 'bars' },
        el(
          'div',
          { class: 'bar' },
          el('span', {}, 'hit rate'),
          el(
            'div',
            { class: 'track' },
            el('div', { class: 'fill', style: { width: `${rate * 100}%`, background: '#3fb950' } }),
          ),
          el('span', {}, `${cache.hits} hits`),
        ),
      ),
      el('div', {}, `saved ${usd(cache.saved_usd)} in this window`),
    );
}

function renderRouting(routing) {
  const container = document.getElementById('breakers');
  if (routing.targets.length === 0) {
    container.replaceChildren(el('div', { class: 'empty' }, 'no targets yet'));
    return;
  }
  container.replaceChildren(
    ...routing.targets.map((t) =>
      el(
        'div',
        { class: `tile ${t.breaker.state}`, 'data-target': t.target },
        el('b', {}, t.target),
        el('div', {}, `breaker ${t.breaker.state}`),
        el(
          'div',
          { class: 'track', style: { height: '6px', background: '#26313c', margin: '4px 0' } },
          el('div', {
            class: 'fill',
            style: { width: `${(t.health.score ?? 0) * 100}%`, background: color(t.provider), height: '6px' },
          }),
        ),
        el('div', {}, `health ${t.health.score ?? '—'}`),
      ),
    ),
  );
}

function renderFailures(requests) {
  const container = document.getElementById('failures');
  if (requests.data.length === 0) {
    container.replaceChildren(el('div', { class: 'empty' }, 'no failed requests'));
    return;
  }
  container.replaceChildren(
    ...requests.data.map((r) =>
      el(
        'div',
        { class: 'failure' },
        el(
          'div',
          {},
          `${r.time.slice(11, 19)} · ${r.status} ${r.error_code ?? ''} · ${modelLabel(r.model)} · ${r.tenant ?? 'no tenant'}`,
        ),
        el(
          'div',
          {},
          ...r.attempt_details.map((a) =>
            el(
              'span',
              { class: `chip ${a.outcome === 'ok' ? 'ok' : 'bad'}` },
              `${a.provider}/${a.model}: ${a.outcome} ${a.status || ''} ${Math.round(a.duration_ms)}ms`,
            ),
          ),
        ),
      ),
    ),
  );
}

/** The panels drawn from the store (the request log's rollups); the routing panel is live state. */
const STATS_PANELS = [
  'chart-traffic',
  'chart-success',
  'chart-latency',
  'chart-errors',
  'tenants',
  'spend',
  'cache',
];
const FAILURE_PANELS = ['failures'];

/** A panel whose data could not be read: its old data goes, so nothing stale passes for current. */
function unavailable(ids, error) {
  for (const id of ids) {
    charts.get(id)?.plot.destroy();
    charts.delete(id);
    document
      .getElementById(id)
      .replaceChildren(el('div', { class: 'empty unavailable' }, `store unavailable: ${error.message}`));
  }
}

// Each panel is drawn from its own read: the live routing panel (breakers, health) needs no store, and
// must still show while the store is down, when it matters most.
async function refresh() {
  const status = document.getElementById('status');
  try {
    await refreshPanels(status);
  } catch (error) {
    // A panel that failed to draw: say so rather than leave the page silently stale.
    status.textContent = error.message;
    status.classList.add('bad');
  }
}

async function refreshPanels(status) {
  const window = document.getElementById('window').value;
  const [stats, routing, failures] = await Promise.allSettled([
    api(`/admin/stats?window=${window}`),
    api('/admin/routing'),
    api('/admin/requests?status=error&limit=20'),
  ]);
  const refused = [stats, routing, failures].find((r) => r.status === 'rejected' && r.reason.auth);
  if (refused !== undefined) {
    status.textContent = refused.reason.message;
    showLogin(refused.reason.message);
    return;
  }
  const problems = [];
  if (stats.status === 'fulfilled') renderStats(stats.value);
  else {
    unavailable(STATS_PANELS, stats.reason);
    problems.push(stats.reason.message);
  }
  if (routing.status === 'fulfilled') renderRouting(routing.value);
  else {
    document
      .getElementById('breakers')
      .replaceChildren(
        el('div', { class: 'empty unavailable' }, `routing unavailable: ${routing.reason.message}`),
      );
    problems.push(routing.reason.message);
  }
  if (failures.status === 'fulfilled') renderFailures(failures.value);
  else {
    unavailable(FAILURE_PANELS, failures.reason);
    problems.push(failures.reason.message);
  }
  const at = `updated ${new Date().toLocaleTimeString()}`;
  status.textContent =
    problems.length === 0
      ? `${stats.value.totals.requests} requests in ${window} · ${at}`
      : `${[...new Set(problems)].join(' · ')} · ${at}`;
  status.classList.toggle('bad', problems.length > 0);
  // Read by the browser test: refreshes that drew every panel.
  if (problems.length === 0)
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded ?? 0) + 1);
}

function showLogin(message) {
  clearInterval(timer);
  sessionStorage.removeItem(KEY_ITEM);
  document.getElementById('panels').hidden = true;
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message ?? '';
}

function start() {
  document.getElementById('login').hidden = true;
  document.getElementById('panels').hidden = false;
  clearInterval(timer);
  refresh();
  timer = setInterval(refresh, REFRESH_MS);
}

document.getElementById('login').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY_ITEM, document.getElementById('key').value.trim());
  start();
});
document.getElementById('forget').addEventListener('click', () => showLogin());
document.getElementById('window').addEventListener('change', () => {
  for (const chart of charts.values()) chart.plot.destroy();
  charts.clear();
  refresh();
});

if (sessionStorage.getItem(KEY_ITEM)) start();
else showLogin();
