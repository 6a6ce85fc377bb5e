// Neuron / SAE-feature viewer: statistics, histogram and top contexts from an activation store (GET /api/neurons/top).
'use strict';
(() => {
  const form = document.getElementById('unit-form');
  if (!form) return;
  const store = document.getElementById('store'), unit = document.getElementById('unit'), k = document.getElementById('k');

  function histogram(h) {
    const ns = 'http://www.w3.org/2000/svg', svg = document.createElementNS(ns, 'svg');
    const w = 520, ht = 140, n = h.counts.length, max = Math.max(1, ...h.counts), bw = w / n;
    svg.setAttribute('width', w + 60); svg.setAttribute('height', ht + 40);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'histogram of activations from ' + GB.fmt(h.low) + ' to ' + GB.fmt(h.high));
    h.counts.forEach((c, b) => {
      const r = document.createElementNS(ns, 'rect'), bh = Math.max(c > 0 ? 1 : 0, (c / max) * ht);
      r.setAttribute('x', 40 + b * bw); r.setAttribute('y', ht - bh); r.setAttribute('width', Math.max(1, bw - 1));
      r.setAttribute('height', bh); r.setAttribute('fill', '#1f5fbf');
      const t = document.createElementNS(ns, 'title');
      t.textContent = GB.fmt(h.low + b * (h.high - h.low) / n) + ' .. ' + GB.fmt(h.low + (b + 1) * (h.high - h.low) / n) + ': ' + c + ' tokens';
      r.appendChild(t);
      svg.appendChild(r);
    });
    [[h.low, 40, 'start'], [h.high, 40 + w, 'end']].forEach(([v, x, a]) => {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', x); t.setAttribute('y', ht + 16); t.setAttribute('text-anchor', a); t.setAttribute('font-size', 12);
      t.textContent = GB.fmt(v);
      svg.appendChild(t);
    });
    const cap = GB.el('p', { class: 'hint' }, 'activation (x) vs tokens (bar height, max ' + max + ')' +
      (h.underflow || h.overflow ? '; ' + h.underflow + ' below and ' + h.overflow + ' above the range' : ''));
    document.getElementById('histogram').replaceChildren(svg, cap);
  }

  function excerpts(r) {
    const lo = Math.min(0, r.stats.min), hi = Math.max(r.stats.max, 1e-6);
    document.getElementById('scale').replaceChildren(GB.colourBar(lo, hi, 'activation'));
    const box = document.getElementById('excerpts');
    box.replaceChildren();
    r.top.forEach((t) => {
      const row = GB.el('div', { class: 'excerpt' });
      row.appendChild(GB.el('span', { class: 'rank' }, '#' + t.rank + ' max ' + GB.fmt(t.max) + ' · doc ' + t.excerpt.document));
      const toks = GB.el('span', { class: 'tokens' });
      t.excerpt.tokens.forEach((tok, i) => {
        const a = t.excerpt.activations[i], l = GB.label(tok);
        const s = GB.el('span', {
          class: 'tok' + (i === t.maxIndex ? ' max' : ''), tabindex: '0',
          title: l + ' · activation ' + GB.fmt(a), style: 'background:' + GB.colour(a, lo, hi) + ';color:' + GB.ink(a, lo, hi),
        }, l);
        toks.appendChild(s);
      });
      row.appendChild(toks);
      box.appendChild(row);
    });
  }

  async function run(e) {
    if (e) e.preventDefault();
    GB.setQuery({ store: store.value, unit: unit.value, q: document.getElementById('q').value });
    GB.status('status', 'reading…');
    try {
      const q = new URLSearchParams({ store: store.value, unit: unit.value, k: k.value || '10' });
      const r = (await GB.get('/api/neurons/top?' + q)).result, s = r.stats;
      const quant = Object.entries(r.quantiles).map(([q2, v]) => 'q' + q2 + ' ' + GB.fmt(v)).join('  ');
      document.getElementById('stats').replaceChildren(
        GB.el('h2', {}, r.unit + ' (' + r.hook + '[' + r.index + ']) of ' + r.storeModel + ' over ' + s.count + ' tokens'),
        GB.table(['mean', 'std', 'min', 'max', '> 0', 'quantiles (sample of ' + r.sampleSize + ')'],
          [[GB.fmt(s.mean), GB.fmt(s.std), GB.fmt(s.min), GB.fmt(s.max), GB.fmt(s.fractionPositive * 100, 1) + '%', quant]]));
      histogram(r.histogram);
      excerpts(r);
      GB.status('status', r.top.length + ' contexts');
    } catch (err) {
      GB.status('status', err.message, true);
    }
  }

  async function search(e) {
    if (e) e.preventDefault();
    const q = document.getElementById('q').value;
    GB.setQuery({ store: store.value, unit: unit.value, q });
    GB.status('search-status', 'searching…');
    try {
      const r = (await GB.get('/api/neurons/search?' + new URLSearchParams({ q }))).result;
      const rows = r.results.map((x) => {
        const a = GB.el('a', { href: '#', class: 'unit-link' }, x.unit);
        a.addEventListener('click', (ev) => { ev.preventDefault(); unit.value = x.unit; run(); });
        return [a, x.explanation, GB.fmt(x.score.value), x.baseline ? GB.fmt(x.baseline.value) : '', x.file];
      });
      const t = GB.table(['unit', 'explanation', 'score', 'shuffled baseline', 'file'], rows);
      t.id = 'search-table';
      document.getElementById('search-results').replaceChildren(t);
      GB.status('search-status', r.matches + ' matches in ' + r.resultFiles + ' results files');
    } catch (err) {
      GB.status('search-status', err.message, true);
    }
  }

  form.addEventListener('submit', run);
  document.getElementById('search-form').addEventListener('submit', search);
  if (unit.value.trim() !== '') run();
  if (document.getElementById('q').value.trim() !== '') search();
})();
