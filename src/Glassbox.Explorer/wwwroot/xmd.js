// XMD feedback view: a text's prediction and attributions (POST /api/xmd/view), words marked should / should not
// matter, the XMD update on a copy of the classifier as a job (POST /api/xmd/jobs), then before vs after side by side
// (and any other text with POST /api/xmd/compare).
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  if (!$('text-form')) return; // no classifier served: the page says so
  const MARKS = ['', 'good', 'bad'], SIGN = { good: '✓ ', bad: '✗ ', '': '' };
  const NAMES = { good: 'should matter', bad: 'should not matter', '': 'no feedback' };
  const feedback = [];
  let view = null, marks = [], job = null, updateId = null;

  const probs = (v) => v.probabilities.map((p, i) => [i, p]);
  const labels = () => Array.from($('label').options).map((o) => o.value);

  function prediction(v) {
    const wrap = GB.el('div', { class: 'prediction' });
    wrap.appendChild(GB.el('p', {}, (v.model === 'served' ? 'Served model' : 'Updated model') + ': predicts ' + v.predicted +
      '; attributions of the logit of ' + v.explained + ' (completeness error ' + GB.fmt(v.completenessError, 4) + ')'));
    wrap.appendChild(GB.table(['class', 'probability'], probs(v).map(([i, p]) => {
      const cell = GB.el('span');
      cell.append(GB.el('span', { class: 'bar', style: 'width:' + Math.round(p * 120) + 'px' }), GB.el('span', { class: 'score' }, GB.fmt(p)));
      return [labels()[i], cell];
    })));
    return wrap;
  }

  // Read-only token chips coloured by attribution; tokens of marked words carry the mark.
  function tokens(container, v, lim, wordMarks) {
    const chips = GB.tokenRow(container, v.tokens.map((t) => t.label), () => {});
    const mark = [];
    v.words.forEach((w, i) => w.tokens.forEach((t) => { mark[t] = wordMarks[i] || ''; }));
    chips.forEach((c, i) => {
      c.style.background = GB.colour(v.scores[i], -lim, lim);
      c.style.color = GB.ink(v.scores[i], -lim, lim);
      c.title = v.tokens[i].label + ': attribution ' + GB.fmt(v.scores[i], 4) + (mark[i] ? ' (' + NAMES[mark[i]] + ')' : '');
      if (mark[i]) c.classList.add(mark[i]);
    });
  }

  function drawWords() {
    const lim = Math.max(1e-12, ...view.words.map((w) => Math.abs(w.attribution)));
    const row = $('words');
    row.replaceChildren();
    view.words.forEach((w, i) => {
      const m = marks[i];
      const chip = GB.el('span', { class: 'tok word ' + m, tabindex: '0', role: 'button', 'data-i': String(i),
        'aria-label': w.word + ', attribution ' + GB.fmt(w.attribution, 4) + ', ' + NAMES[m] }, SIGN[m] + w.word);
      chip.style.background = GB.colour(w.attribution, -lim, lim);
      chip.style.color = GB.ink(w.attribution, -lim, lim);
      chip.title = w.word + ': attribution ' + GB.fmt(w.attribution, 4) + ' · ' + NAMES[m];
      const set = (mark) => { marks[i] = mark; drawWords(); row.children[i].focus(); };
      chip.addEventListener('click', () => set(MARKS[(MARKS.indexOf(m) + 1) % 3]));
      chip.addEventListener('keydown', (e) => {
        const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
        if (d && row.children[i + d]) { e.preventDefault(); row.children[i + d].focus(); }
        else if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); set(MARKS[(MARKS.indexOf(m) + 1) % 3]); }
        else if (e.key === 'm') set('good');
        else if (e.key === 'n') set('bad');
        else if (e.key === '0' || e.key === 'Delete' || e.key === 'Backspace') set('');
      });
      row.appendChild(chip);
    });
    $('add').disabled = !marks.some((x) => x);
    const tokLim = Math.max(1e-12, ...view.scores.map((x) => Math.abs(x)));
    tokens($('tokens'), view, tokLim, marks);
  }

  async function analyse(e) {
    if (e) e.preventDefault();
    const text = $('text').value;
    GB.setQuery({ text });
    GB.status('status', 'attributing…');
    try {
      view = (await GB.post('/api/xmd/view', { text })).result;
      marks = view.words.map(() => '');
      $('label').value = view.predicted;
      $('prediction').replaceChildren(prediction(view));
      const lim = Math.max(1e-12, ...view.scores.map((x) => Math.abs(x)));
      $('bar').replaceChildren(GB.colourBar(-lim, lim, 'attribution to the logit of ' + view.explained));
      drawWords();
      GB.status('status', view.words.length + ' words, ' + view.tokens.length + ' tokens');
    } catch (err) {
      GB.status('status', err.message, true);
    }
  }

  function drawFeedback() {
    const box = $('feedback');
    if (!feedback.length) { box.replaceChildren(GB.el('p', { class: 'empty' }, 'No feedback yet.')); $('run').disabled = true; return; }
    box.replaceChildren(GB.table(['text', 'class', 'should matter', 'should not matter', 'scope', ''], feedback.map((f, i) => {
      const remove = GB.el('button', { type: 'button', class: 'link', 'aria-label': 'remove feedback ' + (i + 1) }, 'remove');
      remove.addEventListener('click', () => { feedback.splice(i, 1); drawFeedback(); });
      return [f.text, f.label, f.shouldMatter.join(' '), f.shouldNotMatter.join(' '), f.scope, remove];
    })));
    box.firstChild.id = 'feedback-table';
    $('run').disabled = false;
  }

  $('add').addEventListener('click', () => {
    const pick = (m) => view.words.filter((_, i) => marks[i] === m).map((w) => w.word);
    feedback.push({ text: view.words.map((w) => w.word).join(' '), label: $('label').value,
      shouldMatter: [...new Set(pick('good'))], shouldNotMatter: [...new Set(pick('bad'))], scope: $('scope').value });
    drawFeedback();
  });

  function side(c, lim) {
    const grid = GB.el('div', { class: 'side-by-side' });
    const marked = c.before.words.map((w) => {
      const f = feedback.find((x) => x.text === c.text);
      if (!f) return '';
      return f.shouldMatter.includes(w.word) ? 'good' : f.shouldNotMatter.includes(w.word) ? 'bad' : '';
    });
    for (const v of [c.before, c.after]) {
      const col = GB.el('div', { class: 'side ' + v.model });
      col.appendChild(GB.el('h4', {}, v.model === 'served' ? 'Before (served model)' : 'After (updated copy)'));
      col.appendChild(prediction(v));
      const row = GB.el('div', { class: 'tokens' });
      col.appendChild(row);
      tokens(row, v, lim, marked);
      grid.appendChild(col);
    }
    const wrap = GB.el('div', { class: 'comparison' });
    wrap.append(GB.el('h3', {}, c.text), grid);
    return wrap;
  }

  function comparisons(list) {
    const lim = Math.max(1e-12, ...list.flatMap((c) => c.before.scores.concat(c.after.scores).map((x) => Math.abs(x))));
    const out = GB.el('div');
    out.appendChild(GB.colourBar(-lim, lim, 'attribution to the logit of the class each text should get (same scale before and after)'));
    list.forEach((c) => out.appendChild(side(c, lim)));
    return out;
  }

  $('xmd-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('progress').replaceChildren();
    ['summary', 'changes', 'comparisons', 'compare-out'].forEach((id) => $(id).replaceChildren());
    const body = { feedback, data: $('data').value, maxTrain: Number($('max-train').value), epochs: Number($('epochs').value),
      learningRate: Number($('lr').value), erMethod: $('er-method').value, erWeight: Number($('er-weight').value) };
    try {
      $('run').disabled = true;
      job = await GB.job('/api/xmd/jobs', body, $('progress'), 'xmd-status', (info, env) => {
        $('run').disabled = false;
        $('cancel').disabled = true;
        if (!env) return;
        const r = env.result, x = r.xmd;
        updateId = r.id;
        $('compare').disabled = false;
        $('summary').replaceChildren(GB.el('p', { id: 'xmd-summary' }, x.feedback + ' feedback text(s), ' + x.updateTexts + ' update texts (' +
          r.data + '), ' + x.steps + ' steps in ' + GB.fmt(x.seconds, 1) + ' s. The updated copy is ' +
          (r.savedTo ? 'saved in ' + r.savedTo : 'in memory only') + '; the served model is unchanged.'));
        $('changes').replaceChildren(GB.table(['measure', 'before [95%]', 'after [95%]'], x.changes.map((c) => [c.measure,
          GB.fmt(c.before.value) + ' [' + GB.fmt(c.before.lower) + ', ' + GB.fmt(c.before.upper) + ']',
          GB.fmt(c.after.value) + ' [' + GB.fmt(c.after.lower) + ', ' + GB.fmt(c.after.upper) + ']'])));
        $('comparisons').replaceChildren(comparisons(r.texts));
        GB.status('xmd-status', 'done');
      });
      $('cancel').disabled = false;
    } catch (err) {
      $('run').disabled = false;
      GB.status('xmd-status', err.message, true);
    }
  });
  $('cancel').addEventListener('click', () => { if (job) job.cancel(); });

  $('compare-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    GB.status('compare-status', 'comparing…');
    try {
      const c = (await GB.post('/api/xmd/compare', { text: $('compare-text').value, id: updateId })).result;
      $('compare-out').replaceChildren(comparisons([c]));
      GB.status('compare-status', 'served vs updated');
    } catch (err) {
      GB.status('compare-status', err.message, true);
    }
  });

  if ($('pick')) $('pick').addEventListener('change', () => { if ($('pick').value) { $('text').value = $('pick').value; analyse(); } });
  $('text-form').addEventListener('submit', analyse);
  if ($('text').value.trim() !== '') analyse();
})();
