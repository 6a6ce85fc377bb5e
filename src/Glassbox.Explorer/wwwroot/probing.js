// Probing curves: the built-in UPOS probe as a background job (POST /api/probe/jobs), progress by server-sent events
// (GET /api/jobs/{id}/events), cancellable (POST /api/jobs/{id}/cancel), result from GET /api/jobs/{id}/result.
'use strict';
(() => {
  const form = document.getElementById('probe-form'), cancel = document.getElementById('cancel');
  const run = document.getElementById('run'), log = document.getElementById('progress');
  let job = null, source = null;

  function finish(info) {
    if (source) source.close();
    source = null;
    cancel.disabled = true;
    run.disabled = false;
    if (info.state === 'done') {
      GB.get('/api/jobs/' + job + '/result').then((env) => {
        const r = env.result, best = r.probe.layers.reduce((a, b) => (b.task.accuracy.value > a.task.accuracy.value ? b : a));
        const curve = document.getElementById('curve');
        curve.replaceChildren(GB.el('p', { id: 'best' }, 'Best layer ' + (best.layer === 0 ? 'emb' : 'L' + best.layer) +
          ': accuracy ' + GB.fmt(best.task.accuracy.value) + ' [' + GB.fmt(best.task.accuracy.lower) + ', ' +
          GB.fmt(best.task.accuracy.upper) + '] vs majority class ' + GB.fmt(r.probe.majorityBaseline) + '. ' + r.data));
        // The chart is SVG rendered by Glassbox.Reports on the server (labels escaped there).
        const chart = GB.el('div', { class: 'chart' });
        chart.innerHTML = r.chartSvg;
        curve.appendChild(chart);
        GB.status('status', 'done');
      }, (err) => GB.status('status', err.message, true));
    } else {
      GB.status('status', info.state + (info.error && info.error !== 'cancelled' ? ': ' + info.error : ''), info.state === 'failed');
    }
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    log.replaceChildren();
    document.getElementById('curve').replaceChildren();
    try {
      const info = (await GB.post('/api/probe/jobs', {
        sentences: Number(document.getElementById('sentences').value), seed: Number(document.getElementById('seed').value) })).result;
      job = info.id;
      run.disabled = true;
      cancel.disabled = false;
      GB.status('status', 'job ' + job + ' ' + info.state);
      source = new EventSource('/api/jobs/' + job + '/events');
      source.addEventListener('progress', (ev) => log.appendChild(GB.el('li', {}, JSON.parse(ev.data).line)));
      source.addEventListener('state', (ev) => GB.status('status', 'job ' + job + ' ' + JSON.parse(ev.data).state));
      source.addEventListener('end', (ev) => finish(JSON.parse(ev.data)));
    } catch (err) {
      GB.status('status', err.message, true);
    }
  });

  cancel.addEventListener('click', async () => {
    if (!job) return;
    try { await GB.post('/api/jobs/' + job + '/cancel'); } catch (err) { GB.status('status', err.message, true); }
  });
})();
