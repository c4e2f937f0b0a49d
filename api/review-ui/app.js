// The reviewer's page: plain DOM over the review API. The API key lives in an HttpOnly cookie
// set by POST /v1/review/session, so this script never holds it and page images load as <img>.

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k in e) e[k] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
};

class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (res.status === 401) showLogin();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

function show(id) {
  for (const s of ['login', 'queue', 'task']) $(`#${s}`).hidden = s !== id;
  $('#logout').hidden = id === 'login';
}

// ---- login ---------------------------------------------------------------------------

function showLogin() {
  stopTask();
  show('login');
  $('#who').textContent = '';
  $('#key').focus();
}

$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  $('#login-error').textContent = '';
  try {
    const me = await api('POST', '/v1/review/session', { key: $('#key').value.trim() });
    $('#key').value = '';
    sessionStorage.setItem('paperline-reviewer', me.name);
    location.hash = '#/';
    await route();
  } catch (e) {
    $('#login-error').textContent = e.message;
  }
});

$('#logout').addEventListener('click', async () => {
  await api('DELETE', '/v1/review/session').catch(() => {});
  sessionStorage.removeItem('paperline-reviewer');
  showLogin();
});

// ---- queue ---------------------------------------------------------------------------

let queueTimer = null;
let selected = 0;

/** "3h 12m left" or "overdue 20m": the SLA as a reviewer reads it. */
function countdown(dueAt) {
  const ms = Date.parse(dueAt) - Date.now();
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86_400_000);
  const h = Math.floor((abs % 86_400_000) / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const span = d ? `${d}d ${h}h` : h ? `${h}h ${m}m` : `${m}m`;
  return {
    text: ms >= 0 ? `${span} left` : `overdue ${span}`,
    overdue: ms < 0,
    soon: ms >= 0 && ms < 3_600_000,
  };
}

function paintCountdowns(root = document) {
  for (const c of root.querySelectorAll('[data-due]')) {
    const { text, overdue, soon } = countdown(c.dataset.due);
    c.textContent = text;
    c.classList.toggle('overdue', overdue);
    c.classList.toggle('soon', soon);
  }
}
setInterval(() => paintCountdowns(), 15_000);

async function loadQueue() {
  stopTask();
  show('queue');
  const params = new URLSearchParams();
  for (const [k, v] of new FormData($('#filters'))) if (v) params.set(k, v);
  sessionStorage.setItem('paperline-filters', params.toString());
  const { tasks } = await api('GET', `/v1/review/tasks?${params}`);
  const body = $('#tasks tbody');
  body.replaceChildren(
    ...tasks.map((t, i) =>
      el(
        'tr',
        { tabIndex: 0, dataset: { task: t.taskId, index: String(i) } },
        el('td', { class: `prio p${t.priority}` }, String(t.priority)),
        el('td', {}, t.fileName),
        el('td', {}, t.docType.replace('_', ' ')),
        el('td', {}, t.department ?? '—'),
        el('td', { class: 'why' }, [...new Set(t.reasons.map((r) => r.code))].join(', ')),
        el('td', { dataset: { due: t.dueAt } }),
        el('td', {}, t.status === 'claimed' ? `claimed by ${t.claimedBy}` : (t.outcome ?? t.status)),
      ),
    ),
  );
  $('#empty').hidden = tasks.length > 0;
  paintCountdowns(body);
  selected = Math.min(selected, Math.max(0, tasks.length - 1));
  body.children[selected]?.focus();
  clearInterval(queueTimer);
  queueTimer = setInterval(() => {
    if (!$('#queue').hidden && !document.hidden) loadQueue().catch(() => {});
  }, 30_000);
}

$('#filters').addEventListener('change', () => loadQueue());
$('#tasks tbody').addEventListener('click', (ev) => {
  const row = ev.target.closest('tr');
  if (row) location.hash = `#/task/${row.dataset.task}`;
});
$('#tasks tbody').addEventListener('keydown', (ev) => {
  const rows = $('#tasks tbody').children;
  const row = ev.target.closest('tr');
  if (!row) return;
  const i = Number(row.dataset.index);
  if (ev.key === 'Enter') location.hash = `#/task/${row.dataset.task}`;
  else if (ev.key === 'ArrowDown' || ev.key === 'j') rows[Math.min(rows.length - 1, i + 1)]?.focus();
  else if (ev.key === 'ArrowUp' || ev.key === 'k') rows[Math.max(0, i - 1)]?.focus();
  else return;
  selected = Number(document.activeElement?.dataset?.index ?? i);
  ev.preventDefault();
});

// ---- task ----------------------------------------------------------------------------

let current = null; // { view, order: [field names], focused, renew }

function stopTask() {
  if (current?.renew) clearInterval(current.renew);
  current = null;
}

function say(text, kind = '') {
  const s = $('#status');
  s.textContent = text;
  s.className = kind;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const pad = (n) => String(n).padStart(2, '0');

/** A printed date as YYYY-MM-DD, in the document's own day/month order. */
function canonicalDate(text, order) {
  const t = text.trim().replace(/[,.]$/, '');
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(t);
  if (m) return `${m[1]}-${pad(m[2])}-${pad(m[3])}`;
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})$/.exec(t);
  if (m) {
    const y = m[3].length === 2 ? `20${m[3]}` : m[3];
    const [d, mo] = order === 'MDY' ? [m[2], m[1]] : [m[1], m[2]];
    return `${y}-${pad(mo)}-${pad(d)}`;
  }
  m = /^(\d{1,2})\s+([A-Za-z]{3,})\.?\s+(\d{4})$/.exec(t) ?? null;
  if (m) return `${m[3]}-${pad(MONTHS.indexOf(m[2].slice(0, 3).toLowerCase()) + 1)}-${pad(m[1])}`;
  m = /^([A-Za-z]{3,})\.?\s+(\d{1,2}),?\s+(\d{4})$/.exec(t);
  if (m) return `${m[3]}-${pad(MONTHS.indexOf(m[1].slice(0, 3).toLowerCase()) + 1)}-${pad(m[2])}`;
  return t;
}

/** A printed amount as a two-place decimal string ("1.234,50 €" → "1234.50"). */
function canonicalMoney(text, decimal) {
  let t = text.replace(/[^\d.,-]/g, '');
  const sep = decimal ?? (/,\d{2}$/.test(t) ? ',' : '.');
  t = t.split(sep === ',' ? '.' : ',').join('');
  if (sep === ',') t = t.replace(',', '.');
  const n = Number(t);
  return Number.isFinite(n) && t !== '' ? n.toFixed(2) : text.trim();
}

function display(field) {
  if (field.value === null || field.value === undefined) return '';
  return typeof field.value === 'string' ? field.value : JSON.stringify(field.value);
}

function renderPages(view) {
  const viewer = $('#viewer');
  viewer.replaceChildren();
  for (const p of view.pages) {
    const page = el('div', { class: 'page', dataset: { page: String(p.number) } });
    const img = el('img', {
      src: p.imageUrl,
      alt: `Page ${p.number} of ${view.document.fileName}`,
      draggable: false,
    });
    page.append(img);
    const place = (node, box) => {
      node.style.left = `${(box.x0 / p.width) * 100}%`;
      node.style.top = `${(box.y0 / p.height) * 100}%`;
      node.style.width = `${((box.x1 - box.x0) / p.width) * 100}%`;
      node.style.height = `${((box.y1 - box.y0) / p.height) * 100}%`;
    };
    for (const w of p.words) {
      const word = el('span', { class: 'word', title: w.text, dataset: { text: w.text } });
      place(word, w.box);
      word.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep the field focused
      word.addEventListener('click', (ev) => pickWord(p.number, w, ev.shiftKey));
      page.append(word);
    }
    for (const f of view.fields) {
      for (const e of f.evidence) {
        if (e.page !== p.number || !e.box) continue;
        const box = el('span', {
          class: `evidence${f.flagged ? ' flagged' : ''}`,
          dataset: { field: f.name, label: f.name },
        });
        place(box, e.box);
        page.append(box);
      }
    }
    viewer.append(page);
  }
}

function fieldRow(f, hints) {
  const id = `f-${f.name}`;
  const conf = f.confidence === null ? 'missing' : `${Math.round(f.confidence * 100)}%`;
  const row = el('div', {
    class: `field${f.flagged ? ' flagged' : ''}`,
    dataset: { field: f.name, kind: f.kind },
  });
  const label = el(
    'label',
    { htmlFor: id },
    f.name,
    f.required ? el('span', { class: 'req', title: 'required' }, '*') : null,
    el('span', { class: `conf${f.confidence !== null && f.confidence < 0.6 ? ' low' : ''}` }, conf),
  );
  row.append(label);
  if (f.kind === 'list') {
    row.append(lineItemsEditor(f));
  } else {
    const input = el('input', {
      id,
      name: f.name,
      value: display(f),
      placeholder: f.kind === 'date' ? 'YYYY-MM-DD' : f.kind === 'money' ? '0.00' : '',
      title: f.description ?? '',
      dataset: { sent: display(f) },
    });
    input.addEventListener('focus', () => focusField(f.name));
    input.addEventListener('change', () => {
      let v = input.value;
      if (f.kind === 'date') v = canonicalDate(v, hints.dateOrder);
      if (f.kind === 'money' && v) v = canonicalMoney(v, hints.decimal);
      input.value = v;
      // Enter and the blur after it both report a change; one correction is one audit event.
      if (v === input.dataset.sent) return;
      input.dataset.sent = v;
      save({ [f.name]: v });
    });
    row.append(input);
  }
  for (const r of f.reasons) row.append(el('p', { class: 'reason' }, r));
  row.append(el('p', { class: 'error', id: `err-${f.name}`, role: 'alert' }));
  return row;
}

const ITEM_COLS = ['description', 'quantity', 'unitPrice', 'amount'];

function lineItemsEditor(f) {
  const items = Array.isArray(f.value) ? f.value : [];
  const table = el('table', { class: 'items', id: `f-${f.name}` });
  const collect = () =>
    [...table.querySelectorAll('tbody tr')]
      .map((tr) =>
        Object.fromEntries(
          ITEM_COLS.map((c) => [c, tr.querySelector(`[data-col=${c}]`).value.trim()]).filter(([, v]) => v),
        ),
      )
      .filter((o) => Object.keys(o).length);
  const row = (item = {}) => {
    const tr = el('tr');
    for (const c of ITEM_COLS) {
      const input = el('input', {
        value: item[c] ?? '',
        dataset: { col: c },
        placeholder: c,
        name: `${f.name}.${c}`,
      });
      input.addEventListener('focus', () => focusField(f.name));
      input.addEventListener('change', () => save({ [f.name]: collect() }));
      tr.append(el('td', {}, input));
    }
    const del = el('button', { type: 'button', title: 'remove row', tabIndex: -1 }, '×');
    del.addEventListener('click', () => {
      tr.remove();
      save({ [f.name]: collect() });
    });
    tr.append(el('td', {}, del));
    return tr;
  };
  table.append(el('thead', {}, el('tr', {}, ...ITEM_COLS.map((c) => el('th', {}, c)), el('th'))));
  table.append(el('tbody', {}, ...items.map(row)));
  const add = el('button', { type: 'button', class: 'add' }, '+ row');
  add.addEventListener('click', () => table.tBodies[0].append(row()));
  return el('div', {}, table, add);
}

function focusField(name) {
  if (!current) return;
  current.focused = name;
  for (const b of document.querySelectorAll('.evidence'))
    b.classList.toggle('active', b.dataset.field === name);
  for (const r of document.querySelectorAll('.field')) r.classList.toggle('active', r.dataset.field === name);
}

/** Flagged fields first, in form order, then the rest: the order Tab and Enter walk. */
function fieldOrder(view) {
  const flagged = view.fields.filter((f) => f.flagged).map((f) => f.name);
  return [...flagged, ...view.fields.filter((f) => !f.flagged).map((f) => f.name)];
}

function focusNext(from, back = false) {
  const order = current.order;
  const i = order.indexOf(from);
  const next = order[(i + (back ? -1 : 1) + order.length) % order.length];
  const target = $(`#fields [data-field="${next}"] input`);
  target?.focus();
  target?.select?.();
}

function pickWord(page, word, append) {
  if (!current?.focused) {
    say('Focus a field first, then click the word that holds its value.', 'warn');
    return;
  }
  const f = current.view.fields.find((x) => x.name === current.focused);
  const input = $(`#f-${f.name}`);
  if (!f || f.kind === 'list' || !input) return;
  let text = append && input.value ? `${input.value} ${word.text}` : word.text;
  if (f.kind === 'date') text = canonicalDate(text, current.view.hints.dateOrder);
  if (f.kind === 'money') text = canonicalMoney(text, current.view.hints.decimal);
  input.value = text;
  input.dataset.sent = text;
  input.focus();
  save({ [f.name]: text }, { [f.name]: { page, box: word.box, text: word.text } });
}

let saving = Promise.resolve();

function save(fields, evidence) {
  const task = current;
  if (!task) return saving;
  for (const name of Object.keys(fields)) $(`#err-${name}`).textContent = '';
  saving = saving.then(async () => {
    try {
      await api('PATCH', `/v1/review/tasks/${task.view.task.taskId}/fields`, {
        fields,
        ...(evidence ? { evidence } : {}),
      });
      for (const name of Object.keys(fields)) {
        const row = $(`#fields [data-field="${name}"]`);
        row?.classList.remove('invalid');
        row?.classList.add('saved');
      }
      say(`Saved ${Object.keys(fields).join(', ')}.`, 'ok');
      await refresh();
    } catch (e) {
      for (const name of Object.keys(fields)) {
        const input = $(`#f-${name}`);
        if (input?.dataset) delete input.dataset.sent;
      }
      const errors = e.body?.details?.fields;
      if (errors) {
        for (const [name, msg] of Object.entries(errors)) {
          const err = $(`#err-${name}`);
          if (err) err.textContent = msg;
          $(`#fields [data-field="${name}"]`)?.classList.add('invalid');
        }
        say('Not saved: see the field marked in red.', 'error');
      } else say(e.message, 'error');
    }
  });
  return saving;
}

/** Re-reads the task after a save: reasons and evidence boxes follow the document. */
async function refresh() {
  if (!current) return;
  const view = await api('GET', `/v1/review/tasks/${current.view.task.taskId}`);
  current.view = view;
  renderPages(view);
  for (const f of view.fields) {
    const row = $(`#fields [data-field="${f.name}"]`);
    if (!row) continue;
    row.classList.toggle('flagged', f.flagged);
    const conf = row.querySelector('.conf');
    conf.textContent = f.confidence === null ? 'missing' : `${Math.round(f.confidence * 100)}%`;
    conf.classList.toggle('low', f.confidence !== null && f.confidence < 0.6);
    for (const r of row.querySelectorAll('.reason')) r.remove();
    const err = row.querySelector('.error');
    for (const r of f.reasons) row.insertBefore(el('p', { class: 'reason' }, r), err);
  }
  focusField(current.focused);
  renderHead(view);
}

function renderHead(view) {
  const t = view.task;
  const { text, overdue } = countdown(t.dueAt);
  $('#task-head').replaceChildren(
    el('h1', {}, view.document.fileName),
    el(
      'p',
      {},
      `${t.docType.replace('_', ' ')} · ${t.department ?? 'no department'} · `,
      el('span', { class: overdue ? 'overdue' : '', dataset: { due: t.dueAt } }, text),
      t.status === 'claimed' ? ` · claimed by ${t.claimedBy}` : ` · ${t.outcome ?? t.status}`,
    ),
    el(
      'ul',
      { class: 'reasons' },
      ...view.document.reasons.map((r) => el('li', { class: r.code }, `${r.code}: ${r.message}`)),
    ),
    view.document.split ? splitControl(view.document.split) : null,
  );
}

/** "1-2; 3; 4-5" for [[1,2],[3],[4,5]]: a run of pages as a range. */
function formatGroups(groups) {
  const run = (pages) => {
    const out = [];
    for (let i = 0; i < pages.length; i++) {
      let j = i;
      while (j + 1 < pages.length && pages[j + 1] === pages[j] + 1) j++;
      out.push(j > i ? `${pages[i]}-${pages[j]}` : `${pages[i]}`);
      i = j;
    }
    return out.join(', ');
  };
  return groups.map(run).join('; ');
}

function parseGroups(text) {
  return text
    .split(';')
    .map((g) => g.trim())
    .filter(Boolean)
    .map((g) =>
      g.split(',').flatMap((part) => {
        const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
        if (!m) throw new Error(`"${part.trim()}" is not a page or a range of pages`);
        const from = Number(m[1]);
        const to = Number(m[2] ?? m[1]);
        return Array.from({ length: Math.max(0, to - from + 1) }, (_, k) => from + k);
      }),
    );
}

/**
 * A part of a multi-document file: which part and pages, and the file's grouping to correct
 * (move a boundary, split further, merge), sent to POST /v1/documents/:id/split.
 */
function splitControl(split) {
  const input = el('input', { id: 'split-groups', 'aria-label': "The file's documents, as page groups" });
  const apply = async (groups) => {
    try {
      const r = await api('POST', `/v1/documents/${split.parentId}/split`, { groups });
      say(
        `Regrouped: the file is now ${r.parts?.length ?? 1} document${r.parts?.length === 1 ? '' : 's'}.`,
        'ok',
      );
      location.hash = '#/';
    } catch (e) {
      say(e.message, 'error');
    }
  };
  const form = el(
    'form',
    { id: 'split-form', class: 'split' },
    el('p', {}, `Part ${split.part} of ${split.of} of this file · pages ${formatGroups([split.pages])}`),
    el('label', { for: 'split-groups' }, 'Documents in the file (pages; one group per document):'),
    input,
    el('button', { type: 'submit', id: 'split-apply' }, 'Regroup'),
    el('button', { type: 'button', id: 'split-merge' }, 'Merge into one document'),
  );
  let groups = null;
  api('GET', `/v1/documents/${split.parentId}`)
    .then((file) => {
      groups = (file.parts ?? []).map((p) => p.pages);
      input.value = formatGroups(groups);
    })
    .catch((e) => say(e.message, 'error'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    let wanted;
    try {
      wanted = parseGroups(input.value);
    } catch (e) {
      say(e.message, 'error');
      return;
    }
    apply(wanted);
  });
  form.querySelector('#split-merge').addEventListener('click', () => {
    if (groups) apply([groups.flat().sort((a, b) => a - b)]);
  });
  return form;
}

async function openTask(taskId) {
  stopTask();
  show('task');
  say('');
  $('#reject-form').hidden = true;
  let claimed = true;
  try {
    await api('POST', `/v1/review/tasks/${taskId}/claim`);
  } catch (e) {
    claimed = false;
    say(e.message, 'error');
  }
  const view = await api('GET', `/v1/review/tasks/${taskId}`);
  current = { view, order: fieldOrder(view), focused: null, renew: null };
  if (claimed) {
    // Renewing well inside the lease keeps an open task from going back to the queue.
    current.renew = setInterval(
      () => api('POST', `/v1/review/tasks/${taskId}/claim`).catch(() => {}),
      5 * 60_000,
    );
  }
  renderHead(view);
  renderPages(view);
  const form = $('#fields');
  form.replaceChildren(...view.fields.map((f) => fieldRow(f, view.hints)));
  if (!view.fields.length)
    form.append(el('p', { class: 'reason' }, 'No known type: reject it, or re-route it as a type.'));
  form.querySelectorAll('input, button').forEach((i) => {
    i.disabled = !claimed;
  });
  $('#approve').disabled = !claimed;
  $('#reject').disabled = !claimed;
  const first = current.order[0];
  if (claimed && first) focusNext(current.order.at(-1));
}

$('#fields').addEventListener('keydown', (ev) => {
  const row = ev.target.closest('[data-field]');
  if (!row || !current) return;
  const name = row.dataset.field;
  const inItems = ev.target.closest('table.items');
  if (ev.key === 'Enter' && !ev.ctrlKey && !ev.metaKey && !inItems) {
    ev.preventDefault();
    ev.target.dispatchEvent(new Event('change'));
    // Move on only once the value is accepted; a refused one keeps the reviewer where it is.
    saving.then(() => {
      if (row.classList.contains('invalid')) ev.target.focus();
      else if (document.activeElement === ev.target) focusNext(name);
    });
  } else if (ev.key === 'Tab' && !inItems) {
    ev.preventDefault();
    focusNext(name, ev.shiftKey);
  }
});

async function approve() {
  if (!current || $('#approve').disabled) return;
  document.activeElement?.dispatchEvent?.(new Event('change'));
  await saving;
  if ($('#fields .invalid')) {
    say('Fix the fields marked in red first.', 'error');
    return;
  }
  try {
    const r = await api('POST', `/v1/review/tasks/${current.view.task.taskId}/approve`);
    say(`Approved: record ${r.recordId} posted to ${r.task.department}.`, 'ok');
    location.hash = '#/';
  } catch (e) {
    const errors = e.body?.details?.fields;
    if (errors)
      for (const [name, msg] of Object.entries(errors))
        if ($(`#err-${name}`)) $(`#err-${name}`).textContent = msg;
    say(e.message, 'error');
  }
}

function openReject() {
  if (!current || $('#reject').disabled) return;
  $('#reject-form').hidden = false;
  $('#reject-reason').focus();
}

$('#reject-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const docType = $('#reject-type').value;
  try {
    await api('POST', `/v1/review/tasks/${current.view.task.taskId}/reject`, {
      reason: $('#reject-reason').value,
      ...(docType ? { docType } : {}),
    });
    $('#reject-reason').value = '';
    location.hash = '#/';
  } catch (e) {
    say(e.message, 'error');
  }
});

$('#approve').addEventListener('click', approve);
$('#reject').addEventListener('click', openReject);
$('#back').addEventListener('click', () => {
  location.hash = '#/';
});

document.addEventListener('keydown', (ev) => {
  if ($('#task').hidden) return;
  const typing = ev.target.matches?.('input, select, textarea');
  if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    approve();
  } else if (ev.altKey && (ev.key === 'r' || ev.key === 'R')) {
    ev.preventDefault();
    openReject();
  } else if (ev.key === 'Escape') {
    if (!$('#reject-form').hidden) $('#reject-form').hidden = true;
    else location.hash = '#/';
  } else if (!typing && !ev.ctrlKey && !ev.altKey && !ev.metaKey) {
    if (ev.key === 'a') approve();
    else if (ev.key === 'r') {
      ev.preventDefault();
      openReject();
    }
  }
});

// ---- routing -------------------------------------------------------------------------

async function route() {
  const m = /^#\/task\/(.+)$/.exec(location.hash);
  try {
    const name = sessionStorage.getItem('paperline-reviewer');
    $('#who').textContent = name ? `signed in as ${name}` : '';
    if (m) await openTask(decodeURIComponent(m[1]));
    else {
      const saved = new URLSearchParams(sessionStorage.getItem('paperline-filters') ?? '');
      for (const [k, v] of saved) if ($(`#filters [name=${k}]`)) $(`#filters [name=${k}]`).value = v;
      await loadQueue();
    }
  } catch (e) {
    if (e.status !== 401) say(e.message, 'error');
  }
}

window.addEventListener('hashchange', route);
route();
