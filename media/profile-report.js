// Renders the profile report from the JSON in #profile-data. Runs in the webview under a CSP
// that allows only this script (by nonce): no inline handlers, no remote code, DOM APIs only.
(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const root = document.getElementById('report');
  const vscode = acquireVsCodeApi();

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
    if (value >= 0.001) return `${(value * 1000).toFixed(1)} µs`;
    return `${(value * 1e6).toFixed(1)} ns`;
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

  const SOURCE = {
    thread: 'main thread (process.threadCpuUsage)',
    schedstat: 'main thread (/proc schedstat)',
    process: 'whole process (approximation: counts GC and libuv threads)',
  };
  const button = (label, message, id) => {
    const node = el('button', { type: 'button', id }, label);
    node.addEventListener('click', () => vscode.postMessage(message));
    return node;
  };

  function render(data) {
    const result = data.result;
    root.replaceChildren(
      el('h1', {}, data.functionPath),
      el(
        'p',
        { class: 'muted', id: 'meta' },
        `${data.file} · ${data.at}${result.node?.version ? ` · Node ${result.node.version}` : ''}${data.argsText ? ` · args ${data.argsText.length > 80 ? `${data.argsText.slice(0, 80)}…` : data.argsText}` : ''}`,
      ),
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
      if (data.previous) root.append(comparison(data.previous, result));
      return;
    }

    const s = result.serialization;
    const serializationMs = s.argsMs + s.resultMs;
    const actions = el('div', { class: 'actions' });
    if (result.cpuProfile) actions.append(button('Open CPU profile', { type: 'openCpuProfile' }, 'open-cpu-profile'));
    if (!result.poolTrial && /^(move|split)/.test(result.recommendation.kind))
      actions.append(button('Measure in a worker pool', { type: 'measureInPool' }, 'measure-in-pool'));
    root.append(
      el(
        'section',
        { class: `recommendation ${result.classification}`, id: 'recommendation' },
        el('h2', {}, result.recommendation.text),
        el('p', {}, result.recommendation.reason),
      ),
      actions,
    );

    const figures = [
      ['CPU / wall', `${result.cpuRatio.toFixed(2)} (${SOURCE[result.cpuSource] ?? result.cpuSource})`],
      ['Class', CLASS[result.classification] ?? result.classification],
      ['Wall per call', ms(result.wallMs)],
      ['CPU per call', ms(result.cpuMs)],
      ['Structured clone', `${ms(serializationMs)} per call (${pct(s.fraction)} of a call)`],
      ['Arguments / result', `${bytes(s.argsBytes)} / ${bytes(s.resultBytes)}`],
      ['Transferable', bytes(s.transferableBytes)],
      [
        'Runs',
        `${result.runs.length} measured${result.callsPerRun > 1 ? ` × ${result.callsPerRun} calls` : ''}, ${result.warmupRuns} warm-up`,
      ],
      ['Peak RSS', bytes(result.pidusage.peakRssBytes || result.maxRssBytes)],
    ];
    if (result.cpuSource && result.cpuSource !== 'process')
      figures.push(['Whole process CPU / wall', `${result.processCpuRatio.toFixed(2)} (with GC and libuv threads)`]);
    if (result.runQueueWaitMs && Math.abs(result.rawCpuRatio - result.cpuRatio) >= 0.05)
      figures.push([
        'Machine load',
        `raw CPU / wall ${result.rawCpuRatio.toFixed(2)}: ${ms(result.runQueueWaitMs)} waiting for a CPU taken out`,
      ]);
    if (s.channelRoundTripMs !== undefined) figures.push(['postMessage round trip', ms(s.channelRoundTripMs)]);
    if (result.poolTrial)
      figures.push([
        'Pool trial',
        `${result.poolTrial.speedup.toFixed(2)}× on ${result.poolTrial.workers} workers (main thread ${ms(result.poolTrial.mainThreadMs)}, pool ${ms(result.poolTrial.poolMs)} for ${result.poolTrial.tasks} calls)`,
      ]);
    else if (result.poolTrialError) figures.push(['Pool trial', `failed: ${result.poolTrialError}`]);
    if (data.hotLines?.length) root.append(hotLines(data.hotLines));
    const table = el('table', { class: 'figures', id: 'figures' });
    for (const [label, value] of figures) table.append(el('tr', {}, el('th', {}, label), el('td', {}, value)));
    root.append(el('h2', {}, 'Figures'), table);
    if (data.previous) root.append(comparison(data.previous, result));

    root.append(el('h2', {}, 'Per call: wall vs CPU vs serialization'), chart(result.runs, serializationMs));
    root.append(
      el(
        'p',
        { class: 'muted' },
        'Wall time here is as measured, including any wait for a CPU held by another process; the CPU / wall ratio leaves that wait out. Serialization is measured once (v8.serialize + deserialize of the arguments and the result) and shown against every run: it is what each call through postMessage would add.',
      ),
    );
  }

  function hotLines(lines) {
    const table = el('table', { class: 'hot-lines', id: 'hot-lines' });
    table.append(el('tr', {}, el('th', {}, 'self time'), el('th', {}, 'share'), el('th', {}, 'line'), el('th', {}, 'function')));
    for (const hot of lines) {
      const link = el('a', { href: '#', title: `Open ${hot.label} at line ${hot.line}` }, `${hot.label}:${hot.line}`);
      link.addEventListener('click', (event) => {
        event.preventDefault();
        vscode.postMessage({ type: 'openLine', file: hot.file, line: hot.line });
      });
      table.append(
        el('tr', {}, el('td', { class: 'number' }, ms(hot.selfMs)), el('td', { class: 'number' }, pct(hot.fraction)), el('td', {}, link), el('td', {}, hot.functionName)),
      );
    }
    return el(
      'section',
      { id: 'hot-section' },
      el('h2', {}, 'Hot lines (self time over the measured runs, from the CPU profile)'),
      table,
    );
  }

  function comparison(previous, now) {
    const before = previous.result;
    const rows = [];
    const row = (label, a, b, format, lowerIsBetter = true) => {
      if (a === undefined || b === undefined) return;
      const change = a === 0 ? undefined : (b - a) / a;
      const better = change !== undefined && (lowerIsBetter ? change < -0.05 : change > 0.05);
      const worse = change !== undefined && (lowerIsBetter ? change > 0.05 : change < -0.05);
      rows.push(
        el(
          'tr',
          {},
          el('th', {}, label),
          el('td', {}, format(a)),
          el('td', {}, format(b)),
          el(
            'td',
            { class: better ? 'better' : worse ? 'worse' : 'same' },
            change === undefined ? '' : `${change >= 0 ? '+' : ''}${Math.round(change * 100)}%`,
          ),
        ),
      );
    };
    if (before.ok && now.ok) {
      row('Wall per call', before.wallMs, now.wallMs, ms);
      row('CPU per call', before.cpuMs, now.cpuMs, ms);
      row('CPU / wall', before.cpuRatio, now.cpuRatio, (v) => v.toFixed(2), false);
      row('Structured clone', before.serialization.argsMs + before.serialization.resultMs, now.serialization.argsMs + now.serialization.resultMs, ms);
      row('Peak RSS', before.maxRssBytes, now.maxRssBytes, bytes);
      if (before.poolTrial || now.poolTrial)
        row('Pool speedup', before.poolTrial?.speedup, now.poolTrial?.speedup, (v) => `${v.toFixed(2)}×`, false);
    }
    const verdict = (r) => (r.ok ? r.recommendation.text : `failed (${r.error.kind})`);
    const table = el('table', { class: 'figures comparison', id: 'comparison' });
    table.append(el('tr', {}, el('th', {}, ''), el('th', {}, `before (${previous.at})`), el('th', {}, 'now'), el('th', {}, 'change')));
    table.append(el('tr', {}, el('th', {}, 'Verdict'), el('td', {}, verdict(before)), el('td', {}, verdict(now)), el('td', {}, '')));
    for (const r of rows) table.append(r);
    return el('section', {}, el('h2', {}, 'Compared with the run before'), table);
  }

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

  render(JSON.parse(document.getElementById('profile-data').textContent));
  window.addEventListener('message', (event) => {
    if (event.data?.type === 'update') {
      render(event.data.data);
      window.scrollTo(0, 0);
    }
  });
})();
