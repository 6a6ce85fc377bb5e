// Activation patching: a layer × position (or head) heatmap of the normalised effect (POST /api/patch).
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);

  function draw(s) {
    const box = $('heatmap');
    box.replaceChildren(GB.colourBar(-1, 1, 'normalised effect (1 = clean, 0 = corrupted)'));
    const t = GB.el('table', { class: 'grid', id: 'patch-grid' }), head = GB.el('tr');
    head.appendChild(GB.el('th', {}, 'layer'));
    s.columnLabels.forEach((c) => head.appendChild(GB.el('th', { class: 'tokhead', title: c }, c)));
    t.appendChild(GB.el('thead')).appendChild(head);
    const body = t.appendChild(GB.el('tbody'));
    s.layers.forEach((layer, i) => {
      const tr = body.appendChild(GB.el('tr'));
      tr.appendChild(GB.el('th', {}, String(layer)));
      s.effects[i].forEach((v, j) => {
        tr.appendChild(GB.el('td', {
          class: 'cell', tabindex: '0',
          title: 'layer ' + layer + ', ' + s.columnLabels[j] + ': effect ' + GB.fmt(v) + ', ' + s.metric + ' ' + GB.fmt(s.scores[i][j]),
          style: 'background:' + GB.colour(v, -1, 1) + ';color:' + GB.ink(v, -1, 1),
        }, GB.fmt(v, 2)));
      });
    });
    box.appendChild(t);
  }

  async function run(e) {
    if (e) e.preventDefault();
    const body = { clean: $('clean').value, corrupted: $('corrupted').value, answer: $('answer').value || null,
      wrong: $('wrong').value || null, hook: $('hook').value, mode: $('mode').value };
    GB.setQuery({ clean: body.clean, corrupted: body.corrupted, answer: $('answer').value, wrong: $('wrong').value });
    GB.status('status', 'patching…');
    try {
      const s = (await GB.post('/api/patch', body)).result;
      $('summary').replaceChildren(GB.el('p', {}, s.metric + ': clean ' + GB.fmt(s.cleanScore) + ', corrupted '
        + GB.fmt(s.corruptedScore) + ' (' + s.forwards + ' batched forward passes)'));
      draw(s);
      GB.status('status', s.layers.length + ' × ' + s.columns.length);
    } catch (err) {
      GB.status('status', err.message, true);
    }
  }

  async function trace(e) {
    if (e) e.preventDefault();
    const body = { text: $('trace-text').value, subject: $('subject').value, answer: $('trace-answer').value || null,
      kind: $('trace-kind').value, samples: Number($('samples').value) || 5 };
    GB.status('trace-status', 'tracing…');
    try {
      const r = (await GB.post('/api/trace', body)).result, t = r.trace, eff = r.indirectEffect;
      $('trace-summary').replaceChildren(GB.el('p', {}, "Answer '" + GB.label(t.answerText) + "': p clean " + GB.fmt(t.pClean)
        + ', p corrupted ' + GB.fmt(t.pCorrupted)));
      const hi = Math.max(1e-6, ...eff.flat());
      const box = $('trace-map');
      box.replaceChildren(GB.colourBar(0, hi, 'indirect effect'));
      const table = GB.el('table', { class: 'grid', id: 'trace-grid' }), head = GB.el('tr');
      head.appendChild(GB.el('th', {}, 'token'));
      eff.forEach((_, l) => head.appendChild(GB.el('th', {}, 'L' + l)));
      table.appendChild(GB.el('thead')).appendChild(head);
      const tb = table.appendChild(GB.el('tbody'));
      t.tokens.forEach((tok, p) => {
        const tr = tb.appendChild(GB.el('tr'));
        const star = p >= t.subjectStart && p < t.subjectEnd ? '*' : '';
        tr.appendChild(GB.el('th', {}, GB.label(tok) + star));
        eff.forEach((row, l) => tr.appendChild(GB.el('td', {
          class: 'cell', tabindex: '0', title: 'L' + l + ', ' + GB.label(tok) + ': ' + GB.fmt(row[p], 4),
          style: 'background:' + GB.colour(row[p], 0, hi) + ';color:' + GB.ink(row[p], 0, hi),
        }, GB.fmt(row[p], 2))));
      });
      box.appendChild(table);
      GB.status('trace-status', t.tokens.length + ' tokens × ' + eff.length + ' layers');
    } catch (err) {
      GB.status('trace-status', err.message, true);
    }
  }

  $('trace-form').addEventListener('submit', trace);
  $('patch-form').addEventListener('submit', run);
  if ($('clean').value.trim() !== '' && $('corrupted').value.trim() !== '') run();
})();
