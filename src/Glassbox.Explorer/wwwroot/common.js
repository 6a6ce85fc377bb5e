// Glassbox explorer: helpers shared by every page (hand-written, no dependencies, works offline).
'use strict';
const GB = (() => {
  async function parse(res) {
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { throw new Error('HTTP ' + res.status + ': ' + text.slice(0, 200)); }
    if (!res.ok) throw new Error(json.error || ('HTTP ' + res.status));
    return json;
  }
  // Every request that runs something is a POST with the X-Glassbox header (the server refuses cross-site ones).
  async function post(url, body) {
    const res = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Glassbox': '1' }, body: JSON.stringify(body || {}) });
    return parse(res);
  }
  async function get(url) { return parse(await fetch(url, { credentials: 'same-origin' })); }
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // The visible label of a token, as Tokenization/TokenDisplay.Label: leading spaces as '·', newline as '⏎'.
  function label(t) {
    if (t === null || t === undefined || t === '') return '∅';
    let out = '', leading = true;
    for (const ch of t) {
      if (leading && (ch === ' ' || ch === '\u2581')) { out += '·'; continue; }
      leading = false;
      out += ch === '\n' ? '⏎' : ch === '\r' ? '↵' : ch === '\t' ? '⇥' : ch === '\u2581' ? '·'
        : ch < ' ' ? String.fromCharCode(0x2400 + ch.charCodeAt(0)) : ch;
    }
    return out;
  }
  const clamp = (x) => Math.max(0, Math.min(1, x));
  // Sequential scale white → blue for [min, max]; diverging red ← white → blue when min < 0.
  function colour(v, min, max, sqrt) {
    if (!Number.isFinite(v)) return 'rgb(150,150,150)';
    if (min < 0) {
      const m = Math.max(Math.abs(min), Math.abs(max)) || 1, t = clamp(Math.abs(v) / m);
      return v >= 0 ? mix([255, 255, 255], [31, 95, 191], t) : mix([255, 255, 255], [201, 42, 42], t);
    }
    let t = clamp((v - min) / ((max - min) || 1));
    if (sqrt) t = Math.sqrt(t);
    return mix([255, 255, 255], [31, 95, 191], t);
  }
  function mix(a, b, t) {
    return 'rgb(' + a.map((x, i) => Math.round(x + (b[i] - x) * t)).join(',') + ')';
  }
  // Dark text on light cells, white on dark ones.
  function ink(v, min, max, sqrt) {
    let t = min < 0 ? Math.abs(v) / (Math.max(Math.abs(min), Math.abs(max)) || 1) : (v - min) / ((max - min) || 1);
    if (sqrt && min >= 0) t = Math.sqrt(clamp(t));
    return t > 0.55 ? '#fff' : '#111';
  }
  function fmt(v, digits) {
    if (!Number.isFinite(v)) return String(v);
    return Number(v).toFixed(digits === undefined ? 3 : digits);
  }
  // A horizontal colour bar with its end and middle values and a caption.
  function colourBar(min, max, caption, sqrt) {
    const bar = el('div', { class: 'colourbar', role: 'img', 'aria-label': caption + ': ' + fmt(min) + ' to ' + fmt(max) });
    const stops = [];
    for (let i = 0; i <= 10; i++) stops.push(colour(min + (max - min) * i / 10, min, max, sqrt));
    bar.appendChild(el('span', { class: 'ramp', style: 'background:linear-gradient(to right,' + stops.join(',') + ')' }));
    const ticks = el('span', { class: 'ticks' });
    ticks.append(el('span', {}, fmt(min, 2)), el('span', {}, fmt((min + max) / 2, 2)), el('span', {}, fmt(max, 2)));
    bar.append(ticks, el('span', { class: 'caption' }, caption + (sqrt ? ' (square-root scale)' : '')));
    return bar;
  }
  // Focusable token chips: hover, focus (Tab) and the arrow keys all call onFocus(i).
  function tokenRow(container, labels, onFocus) {
    container.replaceChildren();
    labels.forEach((l, i) => {
      const s = el('span', { class: 'tok', tabindex: '0', 'data-i': String(i), title: i + ': ' + l }, l);
      s.addEventListener('mouseenter', () => onFocus(i));
      s.addEventListener('focus', () => onFocus(i));
      s.addEventListener('keydown', (e) => {
        const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (d && container.children[i + d]) { e.preventDefault(); container.children[i + d].focus(); }
      });
      container.appendChild(s);
    });
    return Array.from(container.children);
  }
  // Keeps the page's inputs in its URL, so every view is linkable.
  function setQuery(params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
    history.replaceState(null, '', location.pathname + (q.toString() ? '?' + q : ''));
  }
  function status(id, text, isError) {
    const s = document.getElementById(id);
    s.textContent = text;
    s.classList.toggle('error', !!isError);
  }
  function table(header, rows) {
    const t = el('table'), h = el('tr');
    header.forEach((x) => h.appendChild(el('th', {}, x)));
    t.appendChild(el('thead')).appendChild(h);
    const b = t.appendChild(el('tbody'));
    rows.forEach((r) => { const tr = b.appendChild(el('tr')); r.forEach((c) => tr.appendChild(c instanceof Node ? wrap(c) : el('td', {}, c))); });
    return t;
  }
  function wrap(node) { const td = el('td'); td.appendChild(node); return td; }
  // Starts a background job (POST url → job envelope), streams its progress lines into the list `log`, and calls
  // onEnd(info, resultEnvelope) once it ends (resultEnvelope is null unless it is done). Returns { id, cancel }.
  async function job(url, body, log, statusId, onEnd) {
    const info = (await post(url, body)).result, id = info.id;
    status(statusId, 'job ' + id + ' ' + info.state);
    const source = new EventSource('/api/jobs/' + id + '/events');
    source.addEventListener('progress', (ev) => log.appendChild(el('li', {}, JSON.parse(ev.data).line)));
    source.addEventListener('state', (ev) => status(statusId, 'job ' + id + ' ' + JSON.parse(ev.data).state));
    source.addEventListener('end', async (ev) => {
      source.close();
      const end = JSON.parse(ev.data);
      let result = null;
      try {
        if (end.state === 'done') result = await get('/api/jobs/' + id + '/result');
        else status(statusId, end.state + (end.error && end.error !== 'cancelled' ? ': ' + end.error : ''), end.state === 'failed');
        onEnd(end, result);
      } catch (err) { status(statusId, err.message, true); onEnd({ state: 'failed', error: err.message }, null); }
    });
    return { id, cancel: () => post('/api/jobs/' + id + '/cancel').catch((err) => status(statusId, err.message, true)) };
  }
  return { post, get, el, label, colour, ink, fmt, colourBar, tokenRow, setQuery, status, table, job };
})();
