// TCAV: concepts against random sets at the chosen layers, as a background job (POST /api/tcav/jobs). Draws one bar
// chart per concept: score with its bootstrap interval, random baseline band, Holm significance dot, colour = Cohen's d.
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const form = $('tcav-form'), run = $('run'), cancel = $('cancel'), log = $('progress');
  const ns = 'http://www.w3.org/2000/svg';
  let current = null;

  const lines = (id) => ($(id) ? $(id).value.split('\n').map((x) => x.trim()).filter((x) => x !== '') : []);
  const num = (v) => Number(v); // Cohen's d may be "Infinity" (constant but different samples)
  const fmtD = (d) => (Number.isFinite(d) ? GB.fmt(d, 2) : d > 0 ? '+∞' : d < 0 ? '−∞' : 'n/a');
  const interval = (i) => GB.fmt(i.value) + ' [' + GB.fmt(i.lower) + ', ' + GB.fmt(i.upper) + ']';
  const fmtP = (p) => (p < 1e-4 ? Number(p).toExponential(1) : GB.fmt(p, 4));

  function svg(tag, attrs, text) {
    const e = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function describe(s, layer) {
    return s.concept + ' at L' + layer + ': TCAV ' + interval(s.score) + ' vs random ' + interval(s.random) +
      '; Cohen\'s d ' + fmtD(num(s.cohensD)) + '; p ' + fmtP(s.p) + ', Holm-adjusted ' + fmtP(s.pHolm) +
      (s.significant ? ' (significant)' : ' (not significant)') + '; CAV accuracy ' + GB.fmt(s.cavAccuracy);
  }

  // One chart per concept: x = layers, y = TCAV score in [0, 1].
  function chart(concept, rows, layers, lim) {
    const band = 46, left = 40, top = 36, h = 170, w = Math.max(280, left + band * rows.length + 10);
    const y = (v) => top + h * (1 - Math.max(0, Math.min(1, v)));
    const root = svg('svg', { width: w, height: top + h + 34, class: 'tcav-chart', role: 'group',
      'aria-label': 'TCAV scores of ' + concept + ' per layer' });
    root.appendChild(svg('text', { x: 4, y: 14, class: 'title' }, concept));
    for (const t of [0, 0.25, 0.5, 0.75, 1]) {
      root.appendChild(svg('line', { x1: left - 4, x2: w - 6, y1: y(t), y2: y(t), class: t === 0.5 ? 'grid mid' : 'grid' }));
      root.appendChild(svg('text', { x: left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, String(t)));
    }
    rows.forEach((s, i) => {
      const x0 = left + i * band, cx = x0 + band / 2, layer = layers[s.hook];
      const d = num(s.cohensD), g = svg('g', { class: 'tcav-bar', tabindex: '0', role: 'img', 'aria-label': describe(s, layer) });
      g.appendChild(svg('title', {}, describe(s, layer)));
      // Random baseline: its interval as a grey band, its mean dashed.
      g.appendChild(svg('rect', { x: x0 + 4, width: band - 8, y: y(s.random.upper), height: Math.max(1, y(s.random.lower) - y(s.random.upper)), class: 'random' }));
      g.appendChild(svg('line', { x1: x0 + 4, x2: x0 + band - 4, y1: y(s.random.value), y2: y(s.random.value), class: 'random-mean' }));
      g.appendChild(svg('rect', { x: x0 + 12, width: band - 24, y: y(s.score.value), height: Math.max(0, y(0) - y(s.score.value)),
        fill: GB.colour(Number.isFinite(d) ? d : Math.sign(d) * lim, -lim, lim), class: 'score' }));
      // Error bar: the bootstrap interval of the mean score over random runs.
      for (const [a, b, c, e] of [[cx, cx, y(s.score.lower), y(s.score.upper)], [cx - 5, cx + 5, y(s.score.lower), y(s.score.lower)], [cx - 5, cx + 5, y(s.score.upper), y(s.score.upper)]])
        g.appendChild(svg('line', { x1: a, x2: b, y1: c, y2: e, class: 'err' }));
      g.appendChild(svg('circle', { cx, cy: Math.max(top - 10, y(Math.max(s.score.upper, s.random.upper)) - 8), r: 5,
        class: s.significant ? 'sig' : 'sig hollow' }));
      g.appendChild(svg('text', { x: cx, y: top + h + 16, class: 'tick', 'text-anchor': 'middle' }, 'L' + layer));
      const show = () => {
        document.querySelectorAll('.tcav-bar.active').forEach((b) => b.classList.remove('active'));
        g.classList.add('active');
        $('detail').replaceChildren(GB.el('p', {}, describe(s, layer)));
      };
      g.addEventListener('mouseenter', show);
      g.addEventListener('focus', show);
      root.appendChild(g);
    });
    return root;
  }

  function draw(env) {
    const r = env.result, scores = r.tcav.scores, layers = {};
    r.tcav.options.hooks.forEach((h, i) => { layers[h] = r.layers[i]; });
    const finite = scores.map((s) => Math.abs(num(s.cohensD))).filter(Number.isFinite);
    const lim = Math.min(5, Math.max(1, ...finite));
    const legend = GB.el('div', { class: 'row' });
    legend.append(GB.colourBar(-lim, lim, 'bar colour: Cohen\'s d of concept vs random scores (±∞ at the ends)'),
      GB.el('span', { class: 'legend' }, '● Holm p < 0.05   ○ not significant   ▭ random baseline (95% interval, dashed mean)   ⊥ 95% interval of the score'));
    $('summary').replaceChildren(GB.el('p', {}, r.tcav.scores[0].target + ' on ' + r.inputs + '; ' + r.tcav.options.randomRuns +
      ' random runs of ' + r.tcav.options.examplesPerSet + ' examples from ' + r.tcav.randomCorpus + '.'), legend);
    const charts = GB.el('div', { class: 'charts' });
    for (const c of r.tcav.concepts)
      charts.appendChild(chart(c.name + ' (' + c.examples + ' examples)', scores.filter((s) => s.concept === c.name), layers, lim));
    $('chart').replaceChildren(charts);
    const bars = Array.from(document.querySelectorAll('.tcav-bar'));
    bars.forEach((b, i) => b.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (d && bars[i + d]) { e.preventDefault(); bars[i + d].focus(); }
    }));
    $('table').replaceChildren(GB.table(['concept', 'layer', 'TCAV score [95%]', 'random [95%]', 'CAV acc.', 'p', 'p Holm', 'Cohen\'s d', 'significant'],
      scores.map((s) => [s.concept, 'L' + layers[s.hook], interval(s.score), interval(s.random), GB.fmt(s.cavAccuracy),
        fmtP(s.p), fmtP(s.pHolm), fmtD(num(s.cohensD)), s.significant ? 'yes' : 'no'])));
    $('table').firstChild.id = 'tcav-table';
  }

  function body() {
    const custom = lines('custom'), sst2 = $('sst2-dev');
    const b = {
      concepts: Array.from(document.querySelectorAll('input[name=concept]:checked')).map((c) => c.value),
      custom: custom.length ? [{ name: $('custom-name').value.trim() || 'typed concept', examples: custom }] : [],
      target: $('target').value,
      layers: Array.from(document.querySelectorAll('input[name=layer]:checked')).map((c) => Number(c.value)),
      hook: $('hook').value, pooling: $('pooling').value, seed: Number($('seed').value) || 0,
      randomRuns: Number($('random-runs').value), examples: Number($('examples').value),
    };
    if (sst2 && sst2.checked) b.inputSet = 'sst2-dev'; else b.inputs = lines('inputs');
    const corpus = lines('random-corpus');
    if (corpus.length) b.randomCorpus = corpus;
    return b;
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    log.replaceChildren();
    ['summary', 'chart', 'detail', 'table'].forEach((id) => $(id).replaceChildren());
    try {
      run.disabled = true;
      current = await GB.job('/api/tcav/jobs', body(), log, 'status', (info, env) => {
        run.disabled = false;
        cancel.disabled = true;
        if (env) { draw(env); GB.status('status', 'done'); }
      });
      cancel.disabled = false;
    } catch (err) {
      run.disabled = false;
      GB.status('status', err.message, true);
    }
  });
  cancel.addEventListener('click', () => { if (current) current.cancel(); });
})();
