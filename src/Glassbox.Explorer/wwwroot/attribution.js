// Attribution view: tokens coloured by their attribution to a next-token logit (POST /api/attribute).
'use strict';
(() => {
  const form = document.getElementById('attr-form'), prompt = document.getElementById('prompt');
  const target = document.getElementById('target'), method = document.getElementById('method');
  const steps = document.getElementById('steps'), detail = document.getElementById('detail');
  let result = null;

  function showToken(i) {
    if (!result) return;
    const a = result.attribution, tok = result.tokens[i];
    document.querySelectorAll('#tokens .tok').forEach((s, k) => s.classList.toggle('active', k === i));
    detail.replaceChildren(GB.el('p', {}, 'Token ' + i + ' ' + tok.label + ': attribution ' + GB.fmt(a.scores[i], 4)));
  }

  async function run(e) {
    if (e) e.preventDefault();
    const text = prompt.value;
    GB.setQuery({ text, target: target.value });
    GB.status('status', 'attributing…');
    try {
      result = (await GB.post('/api/attribute', { text, target: target.value || null, method: method.value, steps: Number(steps.value) || 32 })).result;
      const a = result.attribution, lim = Math.max(1e-12, ...a.scores.map((x) => Math.abs(x)));
      document.getElementById('bar').replaceChildren(GB.colourBar(-lim, lim, 'attribution to ' + a.target));
      const chips = GB.tokenRow(document.getElementById('tokens'), result.tokens.map((t) => t.label), showToken);
      chips.forEach((c, i) => {
        c.style.background = GB.colour(a.scores[i], -lim, lim);
        c.style.color = GB.ink(a.scores[i], -lim, lim);
        c.title = GB.fmt(a.scores[i], 4);
      });
      const err = Math.abs(a.scores.reduce((s, x) => s + x, 0) - (a.output - a.baselineOutput));
      document.getElementById('summary').replaceChildren(GB.el('p', {}, a.method + ' of ' + a.target + ': F(x) = ' + GB.fmt(a.output)
        + ', F(baseline) = ' + GB.fmt(a.baselineOutput) + ', completeness error ' + GB.fmt(err, 4)));
      showToken(chips.length - 1);
      GB.status('status', result.tokens.length + ' tokens');
    } catch (err) {
      GB.status('status', err.message, true);
    }
  }

  form.addEventListener('submit', run);
  if (prompt.value.trim() !== '') run();
})();
