// Renders the profile report from the JSON in #profile-data. Runs in the webview under a CSP
// that allows only this script (by nonce): no inline handlers, no remote code, DOM APIs only.
(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const root = document.getElementById('report');
  const data = JSON.parse(document.getElementById('profile-data').textContent);
  const result = data.result;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  };
  const svg = (tag, attrs = {}, text) => {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const ms = (value) => {
    if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
    if (value >= 10) return `${value.toFixed(0)} ms`;
    if (value >= 0.1) return `${value.toFixed(2)} ms`;
    return `${(value * 1000).toFixed(1)} µs`;
  };
  const bytes = (value) => {
    if (value < 1024) return `${value} B`;
    if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KB`;
    return `${(value / (1024 * 1024)).toFixed(1)} MB`;
  };
  const pct = (fraction) => {
    const value = fraction * 100;
    if (value > 0 && value < 1) return '<1%';
    return `${Math.round(value)}%`;
  };
  const CLASS = {
    'io-bound': 'I/O-bound',
    mixed: 'Mixed',
    'cpu-bound': 'CPU-bound',
    'too-short': 'Too short to measure',
  };

  root.append(
    el('h1', {}, data.functionPath),
    el('p', { class: 'muted' }, `${data.file} · ${data.at}${result.node?.version ? ` · Node ${result.node.version}` : ''}`),
  );

  if (!result.ok) {
    const error = result.error;
    root.append(
      el(
        'section',
        { class: 'error', id: 'error' },
        el('h2', {}, `Profile failed: ${error.kind}`),
        el('p', {}, error.message),
        ...(error.phase ? [el('p', { class: 'muted' }, `phase: ${error.phase}`)] : []),
        ...(error.stack ? [el('pre', {}, error.stack)] : []),
      ),
    );
    if (result.log?.stderr) root.append(el('h2', {}, 'stderr'), el('pre', {}, result.log.stderr));
    return;
  }

  const s = result.serialization;
  const serializationMs = s.argsMs + s.resultMs;
  root.append(
    el(
      'section',
      { class: `recommendation ${result.classification}`, id: 'recommendation' },
      el('h2', {}, result.recommendation.text),
      el('p', {}, result.recommendation.reason),
    ),
  );

  const figures = [
    ['CPU / wall', result.cpuRatio.toFixed(2)],
    ['Class', CLASS[result.classification] ?? result.classification],
    ['Wall per run', ms(result.wallMs)],
    ['CPU per run', ms(result.cpuMs)],
    ['Structured clone', `${ms(serializationMs)} (${pct(s.fraction)} of a run)`],
    ['Arguments / result', `${bytes(s.argsBytes)} / ${bytes(s.resultBytes)}`],
    ['Runs', `${result.runs.length} measured, ${result.warmupRuns} warm-up`],
    ['Peak RSS', bytes(result.pidusage.peakRssBytes || result.maxRssBytes)],
  ];
  if (result.runQueueWaitMs && Math.abs(result.rawCpuRatio - result.cpuRatio) >= 0.05)
    figures.push([
      'Machine load',
      `raw CPU / wall ${result.rawCpuRatio.toFixed(2)}: ${ms(result.runQueueWaitMs)} waiting for a CPU taken out`,
    ]);
  if (result.cpuSource && result.cpuSource !== 'process')
    figures.push(['Whole process CPU / wall', `${result.processCpuRatio.toFixed(2)} (with GC and libuv threads)`]);
  if (s.channelRoundTripMs !== undefined) figures.push(['postMessage round trip', ms(s.channelRoundTripMs)]);
  if (result.poolTrial)
    figures.push([
      'Pool trial',
      `${result.poolTrial.speedup.toFixed(2)}x on ${result.poolTrial.workers} workers`,
    ]);
  const table = el('table', { class: 'figures' });
  for (const [label, value] of figures) table.append(el('tr', {}, el('th', {}, label), el('td', {}, value)));
  root.append(table);

  root.append(el('h2', {}, 'Per run: wall vs CPU vs serialization'), chart(result.runs, serializationMs));
  root.append(
    el(
      'p',
      { class: 'muted' },
      'Wall time here is as measured, including any wait for a CPU held by another process; the CPU / wall ratio leaves that wait out. Serialization is measured once (v8.serialize + deserialize of the arguments and the result) and shown against every run: it is what each call through postMessage would add.',
    ),
  );

  function chart(runs, cloneMs) {
    const series = [
      ['wall', 'Wall', (run) => run.wallMs],
      ['cpu', 'CPU', (run) => run.cpuMs],
      ['clone', 'Serialization', () => cloneMs],
    ];
    const width = 640;
    const height = 260;
    const left = 56;
    const bottom = 40;
    const top = 16;
    const plotHeight = height - top - bottom;
    const max = Math.max(1e-6, ...runs.flatMap((run) => series.map(([, , value]) => value(run))));
    const group = (width - left - 8) / Math.max(1, runs.length);
    const bar = Math.max(2, Math.min(22, (group - 8) / series.length));
    const chartSvg = svg('svg', {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': 'wall, CPU and serialization time per run',
      id: 'chart',
    });
    for (let tick = 0; tick <= 4; tick++) {
      const y = top + plotHeight - (plotHeight * tick) / 4;
      chartSvg.append(svg('line', { x1: left, x2: width - 8, y1: y, y2: y, class: 'grid' }));
      chartSvg.append(
        svg('text', { x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end' }, tick === 0 ? '0' : ms((max * tick) / 4)),
      );
    }
    runs.forEach((run, index) => {
      const x0 = left + index * group + (group - bar * series.length) / 2;
      series.forEach(([key, label, value], s) => {
        const v = value(run);
        const h = (plotHeight * v) / max;
        const rect = svg('rect', {
          x: x0 + s * bar,
          y: top + plotHeight - h,
          width: bar - 1,
          height: Math.max(h, 0.5),
          class: `bar ${key}`,
        });
        rect.append(svg('title', {}, `run ${index + 1} · ${label}: ${ms(v)}`));
        chartSvg.append(rect);
      });
      if (runs.length <= 30 || index % Math.ceil(runs.length / 30) === 0) {
        chartSvg.append(
          svg(
            'text',
            { x: left + index * group + group / 2, y: height - bottom + 16, class: 'axis', 'text-anchor': 'middle' },
            String(index + 1),
          ),
        );
      }
    });
    chartSvg.append(
      svg('text', { x: left + (width - left) / 2, y: height - 6, class: 'axis', 'text-anchor': 'middle' }, 'run'),
    );
    const legend = el('div', { class: 'legend' });
    for (const [key, label] of series) legend.append(el('span', { class: `swatch ${key}` }), label);
    return el('figure', {}, chartSvg, legend);
  }
})();
