// Attention viewer: every head's pattern on a prompt (POST /api/attention) and head detector scores (POST /api/heads).
'use strict';
(() => {
  const q0 = new URLSearchParams(location.search);
  const form = document.getElementById('prompt-form'), prompt = document.getElementById('prompt');
  const layerSel = document.getElementById('layer'), headSel = document.getElementById('head');
  const detail = document.getElementById('detail');
  let data = null, spans = [], focused = -1;

  const pattern = () => data.patterns[Number(layerSel.value)][Number(headSel.value)];

  function options(sel, n, prefix, wanted) {
    const keep = sel.value !== '' ? sel.value : wanted;
    sel.replaceChildren();
    for (let i = 0; i < n; i++) sel.appendChild(GB.el('option', { value: String(i) }, prefix + i));
    if (keep !== null && Number(keep) < n) sel.value = String(keep);
  }

  function paint(i) {
    focused = i;
    const row = pattern()[i];
    spans.forEach((s, k) => {
      const v = k <= row.length - 1 ? row[k] : 0;
      s.classList.toggle('active', k === i);
      s.style.background = k === i ? '' : GB.colour(v, 0, 1, true);
      s.style.color = k === i ? '' : GB.ink(v, 0, 1, true);
      s.title = k + ': ' + data.tokens[k].label + ' · attention from ' + i + ' = ' + GB.fmt(v * 100, 1) + '%';
    });
    let best = 0;
    row.forEach((v, k) => { if (v > row[best]) best = k; });
    detail.replaceChildren(GB.el('p', { id: 'attends' },
      'L' + layerSel.value + 'H' + headSel.value + ': token ' + i + ' (' + data.tokens[i].label + ') attends most to token ' +
      best + ' (' + data.tokens[best].label + ') with ' + GB.fmt(row[best] * 100, 1) + '%'));
  }

  function heatmap() {
    const p = pattern(), n = p.length, cell = Math.max(6, Math.min(18, Math.floor(640 / n))), pad = 110;
    const ns = 'http://www.w3.org/2000/svg', svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('width', pad + n * cell + 4);
    svg.setAttribute('height', pad + n * cell + 4);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'attention pattern of L' + layerSel.value + 'H' + headSel.value + ', queries as rows, keys as columns');
    const short = (s) => (s.length > 12 ? s.slice(0, 11) + '…' : s);
    for (let i = 0; i < n; i++) {
      const rl = document.createElementNS(ns, 'text');
      rl.setAttribute('x', pad - 4); rl.setAttribute('y', pad + i * cell + cell * 0.75);
      rl.setAttribute('text-anchor', 'end'); rl.setAttribute('font-size', Math.min(11, cell));
      rl.textContent = short(data.tokens[i].label);
      const cl = document.createElementNS(ns, 'text');
      cl.setAttribute('transform', 'translate(' + (pad + i * cell + cell * 0.75) + ',' + (pad - 4) + ') rotate(-60)');
      cl.setAttribute('font-size', Math.min(11, cell));
      cl.textContent = short(data.tokens[i].label);
      svg.append(rl, cl);
      for (let k = 0; k < n; k++) {
        const r = document.createElementNS(ns, 'rect');
        r.setAttribute('x', pad + k * cell); r.setAttribute('y', pad + i * cell);
        r.setAttribute('width', cell); r.setAttribute('height', cell);
        r.setAttribute('fill', GB.colour(p[i][k], 0, 1, true));
        const t = document.createElementNS(ns, 'title');
        t.textContent = i + '→' + k + ': ' + GB.fmt(p[i][k] * 100, 1) + '%';
        r.appendChild(t);
        svg.appendChild(r);
      }
    }
    document.getElementById('heatmap').replaceChildren(GB.colourBar(0, 1, 'attention weight', true), svg);
  }

  function redraw() {
    GB.setQuery({ text: prompt.value, layer: layerSel.value, head: headSel.value });
    paint(focused >= 0 && focused < spans.length ? focused : spans.length - 1);
    heatmap();
  }

  async function run(e) {
    if (e) e.preventDefault();
    GB.status('status', 'running…');
    try {
      data = (await GB.post('/api/attention', { text: prompt.value })).result;
      options(layerSel, data.layers, 'L', q0.get('layer'));
      options(headSel, data.heads, 'H', q0.get('head'));
      spans = GB.tokenRow(document.getElementById('tokens'), data.tokens.map((t) => t.label), paint);
      focused = -1;
      redraw();
      GB.status('status', data.tokens.length + ' tokens, ' + data.layers + ' layers × ' + data.heads + ' heads');
    } catch (err) {
      GB.status('status', err.message, true);
    }
  }

  // Head scores run as a background job (POST /api/heads/jobs); its progress lines stream in over server-sent events.
  function heads() {
    GB.status('heads-status', 'queued…');
    GB.post('/api/heads/jobs', {}).then((env) => {
      const job = env.result.id, source = new EventSource('/api/jobs/' + job + '/events');
      source.addEventListener('progress', (ev) => GB.status('heads-status', JSON.parse(ev.data).line + '…'));
      source.addEventListener('end', (ev) => {
        source.close();
        const info = JSON.parse(ev.data);
        if (info.state !== 'done') { GB.status('heads-status', info.state + (info.error ? ': ' + info.error : ''), info.state === 'failed'); return; }
        GB.get('/api/jobs/' + job + '/result').then((r) => showHeads(r.result), (err) => GB.status('heads-status', err.message, true));
      });
    }, (err) => GB.status('heads-status', err.message, true));
  }

  function showHeads(r) {
    try {
      const names = ['previousToken', 'duplicateToken', 'induction', 'firstToken'];
      const rows = r.heads.map((h) => {
        const pick = GB.el('button', { type: 'button', class: 'link' }, 'L' + h.layer + 'H' + h.head);
        pick.addEventListener('click', () => {
          if (!data) return;
          layerSel.value = String(h.layer); headSel.value = String(h.head); redraw();
        });
        return [pick].concat(names.map((n) => {
          const v = h[n];
          return GB.el('span', { class: 'score', style: 'background:' + GB.colour(v, 0, 1) + ';color:' + GB.ink(v, 0, 1) }, GB.fmt(v));
        })).concat([h.labels.join(', ')]);
      });
      const base = r.uniformBaseline;
      rows.push(['uniform (control)', GB.fmt(base['previous-token']), GB.fmt(base['duplicate-token']), GB.fmt(base.induction), GB.fmt(base['first-token']), '']);
      const t = GB.table(['head', 'previous-token', 'duplicate-token', 'induction', 'first-token', 'labels'], rows);
      t.id = 'head-scores';
      document.getElementById('heads').replaceChildren(GB.colourBar(0, 1, 'detector score'), t);
      GB.status('heads-status', r.heads.length + ' heads scored on ' + r.options.sequences + ' sequences');
    } catch (err) {
      GB.status('heads-status', err.message, true);
    }
  }

  form.addEventListener('submit', run);
  layerSel.addEventListener('change', () => data && redraw());
  headSel.addEventListener('change', () => data && redraw());
  document.getElementById('run-heads').addEventListener('click', heads);
  if (prompt.value.trim() !== '') run();
})();
