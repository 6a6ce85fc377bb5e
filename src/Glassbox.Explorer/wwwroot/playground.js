// Text playground: tokens, top next tokens per position, and the logit lens (POST /api/predict, /api/lens).
'use strict';
(() => {
  const form = document.getElementById('prompt-form'), prompt = document.getElementById('prompt');
  const topk = document.getElementById('topk'), detail = document.getElementById('detail');
  let predict = null, lens = null;

  function showPosition(i) {
    if (!predict) return;
    document.querySelectorAll('#tokens .tok').forEach((s, k) => s.classList.toggle('active', k === i));
    const tok = predict.tokens[i];
    detail.replaceChildren(GB.el('h3', {}, 'Position ' + i + ': ' + tok.label + '  (id ' + tok.id + ')'));
    const rows = predict.next[i].map((p, r) => {
      const bar = GB.el('span', { class: 'bar', style: 'width:' + Math.max(1, Math.round(p.prob * 160)) + 'px' });
      return [String(r + 1), p.token.label, GB.fmt(p.prob * 100, 1) + '%', bar];
    });
    const t = GB.table(['rank', 'next token', 'probability', ''], rows);
    t.id = 'predictions';
    detail.appendChild(t);
    if (lens) {
      const lr = lens.layers.map((l) => [l.name, l.cells[i].top.map((x) => GB.label(x.text) + ' ' + GB.fmt(x.prob * 100, 1) + '%').join('   ')]);
      detail.appendChild(GB.el('h3', {}, 'Logit lens at this position'));
      detail.appendChild(GB.table(['layer', 'top tokens'], lr));
    }
  }

  function drawLens() {
    const box = document.getElementById('lens');
    box.replaceChildren(GB.colourBar(0, 1, 'probability of the top token'));
    const t = GB.el('table', { class: 'grid' }), head = GB.el('tr');
    head.appendChild(GB.el('th', {}, 'layer'));
    lens.tokens.forEach((tok, i) => head.appendChild(GB.el('th', { class: 'tokhead', title: i + ': ' + GB.label(tok) }, GB.label(tok))));
    t.appendChild(GB.el('thead')).appendChild(head);
    const body = t.appendChild(GB.el('tbody'));
    lens.layers.forEach((l) => {
      const tr = body.appendChild(GB.el('tr'));
      tr.appendChild(GB.el('th', {}, l.name));
      l.cells.forEach((c) => {
        const best = c.top[0], lab = GB.label(best.text);
        const td = GB.el('td', {
          class: 'cell', title: c.top.map((x) => GB.label(x.text) + ' ' + GB.fmt(x.prob * 100, 1) + '%').join('\n'),
          style: 'background:' + GB.colour(best.prob, 0, 1) + ';color:' + GB.ink(best.prob, 0, 1),
        }, lab);
        tr.appendChild(td);
      });
    });
    box.appendChild(t);
    box.appendChild(GB.el('p', { class: 'hint' }, 'Control: last lens layer vs the real logits, max |diff| = ' + lens.lastLayerMaxAbsDiff.toExponential(2)));
  }

  async function run(e) {
    if (e) e.preventDefault();
    const text = prompt.value, k = Number(topk.value) || 5;
    GB.setQuery({ text });
    GB.status('status', 'running…');
    try {
      predict = (await GB.post('/api/predict', { text, topK: k })).result;
      const tokens = GB.tokenRow(document.getElementById('tokens'), predict.tokens.map((t) => t.label), showPosition);
      lens = (await GB.post('/api/lens', { text, topK: k })).result;
      drawLens();
      showPosition(tokens.length - 1);
      GB.status('status', predict.tokens.length + ' tokens');
    } catch (err) {
      GB.status('status', err.message, true);
    }
  }

  form.addEventListener('submit', run);
  if (prompt.value.trim() !== '') run();
})();
