// The live page's browser code, as text: one inline script, no build step, no dependency. It
// polls the scrape (text format), keeps a minute of snapshots, and derives per endpoint what
// Grafana's panels show: rates from counter deltas, p50/p95/p99 from histogram bucket deltas
// (Prometheus' histogram_quantile), inflight as is. Plain ES2017, no template literals.
export const STATUS_PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  // Relative to the page's path without a trailing slash (/metrics/ui/ reads as /metrics/ui).
  var base = location.origin + location.pathname.replace(/\/+$/, '');
  var scrapeUrl = new URL(document.body.getAttribute('data-scrape'), base).pathname;
  var query = new URLSearchParams(location.search);
  var intervalMs = Math.min(60000, Math.max(250, Number(query.get('interval')) || 2000));
  var WINDOW_MS = 10000;
  var KEEP = 90;
  var snapshots = [];
  var C = 'dynamo_component_';
  var F = 'dynamo_frontend_';

  function parseValue(text) {
    if (text === '+Inf') return Infinity;
    if (text === '-Inf') return -Infinity;
    return Number(text);
  }

  // Text exposition format 0.0.4: name{label="value",...} value [timestamp]
  function parse(text) {
    var samples = [];
    var lines = text.split('\n');
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (line === '' || line.charAt(0) === '#') continue;
      var name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
      if (!name) continue;
      var pos = name[0].length;
      var labels = Object.create(null);
      if (line.charAt(pos) === '{') {
        pos++;
        while (pos < line.length && line.charAt(pos) !== '}') {
          var eq = line.indexOf('=', pos);
          var key = line.slice(pos, eq).trim();
          pos = eq + 2;
          var value = '';
          while (pos < line.length && line.charAt(pos) !== '"') {
            var ch = line.charAt(pos);
            if (ch === '\\') {
              var next = line.charAt(pos + 1);
              value += next === 'n' ? '\n' : next;
              pos += 2;
            } else {
              value += ch;
              pos++;
            }
          }
          labels[key] = value;
          pos++;
          if (line.charAt(pos) === ',') pos++;
        }
        pos++;
      }
      var rest = line.slice(pos).trim().split(/\s+/);
      samples.push({ name: name[0], labels: labels, value: parseValue(rest[0]) });
    }
    return samples;
  }

  function entry(map, key, make) {
    if (!map[key]) map[key] = make();
    return map[key];
  }

  function newEndpoint(labels) {
    return {
      namespace: labels.dynamo_namespace || '',
      component: labels.dynamo_component || '',
      endpoint: labels.dynamo_endpoint,
      requests: 0, inflight: 0, errors: 0, bytesIn: 0, bytesOut: 0, cancelled: 0, buckets: Object.create(null),
    };
  }

  function newModel(model) {
    return { model: model, requests: 0, errors: 0, inflight: 0, queued: 0, ttftSum: 0, ttftCount: 0, outputTokens: 0 };
  }

  // One snapshot: per endpoint and per model sums over every other label.
  function snapshot(samples) {
    // Keys come from label values, which requests may choose ('__proto__'): maps without a prototype.
    var endpoints = Object.create(null);
    var models = Object.create(null);
    for (var i = 0; i < samples.length; i++) {
      var s = samples[i];
      var l = s.labels;
      if (s.name.indexOf(C) === 0 && l.dynamo_endpoint !== undefined) {
        var key = [l.dynamo_namespace, l.dynamo_component, l.dynamo_endpoint].join('/');
        var e = entry(endpoints, key, function () { return newEndpoint(l); });
        var m = s.name.slice(C.length);
        if (m === 'requests_total') e.requests += s.value;
        else if (m === 'inflight_requests') e.inflight += s.value;
        else if (m === 'errors_total') e.errors += s.value;
        else if (m === 'request_bytes_total') e.bytesIn += s.value;
        else if (m === 'response_bytes_total') e.bytesOut += s.value;
        else if (m === 'cancellation_total') e.cancelled += s.value;
        else if (m === 'request_duration_seconds_bucket') e.buckets[l.le] = (e.buckets[l.le] || 0) + s.value;
      } else if (s.name.indexOf(F) === 0 && l.model !== undefined) {
        var f = entry(models, l.model, function () { return newModel(l.model); });
        var n = s.name.slice(F.length);
        if (n === 'requests_total') {
          f.requests += s.value;
          if (l.status === 'error') f.errors += s.value;
        } else if (n === 'inflight_requests') f.inflight += s.value;
        else if (n === 'queued_requests') f.queued += s.value;
        else if (n === 'time_to_first_token_seconds_sum') f.ttftSum += s.value;
        else if (n === 'time_to_first_token_seconds_count') f.ttftCount += s.value;
        else if (n === 'output_tokens_total') f.outputTokens += s.value;
      }
    }
    return { t: Date.now(), endpoints: endpoints, models: models };
  }

  // Prometheus' histogram_quantile over cumulative bucket counts {le: count}.
  function quantile(q, buckets) {
    var les = Object.keys(buckets).map(function (le) { return [parseValue(le), buckets[le]]; });
    les.sort(function (a, b) { return a[0] - b[0]; });
    if (les.length === 0) return NaN;
    var total = les[les.length - 1][1];
    if (!(total > 0)) return NaN;
    var rank = q * total;
    for (var i = 0; i < les.length; i++) {
      if (les[i][1] >= rank) {
        if (les[i][0] === Infinity) return i > 0 ? les[i - 1][0] : NaN;
        var lower = i > 0 ? les[i - 1][0] : 0;
        var below = i > 0 ? les[i - 1][1] : 0;
        var inBucket = les[i][1] - below;
        return inBucket > 0 ? lower + (les[i][0] - lower) * ((rank - below) / inBucket) : les[i][0];
      }
    }
    return NaN;
  }

  function bucketDelta(now, then) {
    var out = Object.create(null);
    for (var le in now.buckets) out[le] = now.buckets[le] - ((then && then.buckets[le]) || 0);
    return out;
  }

  // The snapshot closest to WINDOW_MS before the newest.
  function windowStart() {
    var newest = snapshots[snapshots.length - 1];
    for (var i = 0; i < snapshots.length - 1; i++)
      if (newest.t - snapshots[i].t <= WINDOW_MS) return snapshots[i];
    return snapshots[snapshots.length - 2];
  }

  function rate(now, then, field, dt) {
    return dt > 0 ? (now[field] - ((then && then[field]) || 0)) / dt : NaN;
  }

  function fmtNumber(v, digits) {
    if (!isFinite(v)) return '–';
    return v.toFixed(digits);
  }
  function fmtSeconds(v) {
    if (!isFinite(v)) return '–';
    return v < 1 ? (v * 1000).toFixed(v < 0.01 ? 2 : 1) + ' ms' : v.toFixed(2) + ' s';
  }
  function fmtBytes(v) {
    if (!isFinite(v)) return '–';
    var units = ['B/s', 'KiB/s', 'MiB/s', 'GiB/s'];
    var u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return v.toFixed(u === 0 ? 0 : 1) + ' ' + units[u];
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  var SVG = 'http://www.w3.org/2000/svg';
  // A small line chart of the values (NaN as gaps), scaled to its own maximum.
  function sparkline(values, cls) {
    var w = 220, h = 36;
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 ' + w + ' ' + h);
    svg.setAttribute('class', 'spark ' + cls);
    var max = 0;
    values.forEach(function (v) { if (isFinite(v) && v > max) max = v; });
    var points = [];
    values.forEach(function (v, i) {
      if (!isFinite(v)) return;
      var x = values.length > 1 ? (i / (KEEP - 1)) * w : 0;
      var y = h - 2 - (max > 0 ? (v / max) * (h - 4) : 0);
      points.push(x.toFixed(1) + ',' + y.toFixed(1));
    });
    var line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(line);
    return svg;
  }

  // Per poll interval: a series of fn(newer, older, seconds) over the kept snapshots.
  function series(pick, fn) {
    var out = [];
    for (var i = 1; i < snapshots.length; i++) {
      var a = pick(snapshots[i - 1]), b = pick(snapshots[i]);
      out.push(b ? fn(b, a, (snapshots[i].t - snapshots[i - 1].t) / 1000) : NaN);
    }
    return out;
  }

  function stat(label, field, value, title) {
    return el('div', { class: 'stat', title: title || '' }, [
      el('span', { class: 'label' }, [label]),
      el('span', { class: 'value', 'data-field': field }, [value]),
    ]);
  }

  function chart(label, values, cls, last) {
    return el('figure', {}, [
      el('figcaption', {}, [label, el('span', {}, [last])]),
      sparkline(values, cls),
    ]);
  }

  function renderEndpoints(now, then, dt) {
    var keys = Object.keys(now.endpoints).sort();
    var cards = keys.map(function (key) {
      var e = now.endpoints[key];
      var p = then && then.endpoints[key];
      var delta = bucketDelta(e, p);
      var reqRate = rate(e, p, 'requests', dt);
      var rates = series(function (s) { return s.endpoints[key]; }, function (b, a, seconds) {
        return rate(b, a, 'requests', seconds);
      });
      var p95s = series(function (s) { return s.endpoints[key]; }, function (b, a) {
        return quantile(0.95, bucketDelta(b, a));
      });
      var inflights = snapshots.slice(1).map(function (s) {
        return s.endpoints[key] ? s.endpoints[key].inflight : NaN;
      });
      return el('section', { class: 'card', 'data-endpoint': key }, [
        el('h2', {}, [
          el('span', { class: 'ns' }, [e.namespace + ' / ' + e.component + ' / ']),
          e.endpoint,
        ]),
        el('div', { class: 'stats' }, [
          stat('req/s', 'rate', fmtNumber(reqRate, 2), 'requests per second over the last 10 s'),
          stat('requests', 'requests', String(e.requests)),
          stat('p50', 'p50', fmtSeconds(quantile(0.5, delta)), 'request duration, last 10 s'),
          stat('p95', 'p95', fmtSeconds(quantile(0.95, delta))),
          stat('p99', 'p99', fmtSeconds(quantile(0.99, delta))),
          stat('inflight', 'inflight', String(e.inflight)),
          stat('errors', 'errors', String(e.errors)),
          stat('errors/s', 'error-rate', fmtNumber(rate(e, p, 'errors', dt), 2)),
          stat('in', 'bytes-in', fmtBytes(rate(e, p, 'bytesIn', dt)), 'request bytes per second'),
          stat('out', 'bytes-out', fmtBytes(rate(e, p, 'bytesOut', dt)), 'response bytes per second'),
        ]),
        el('div', { class: 'charts' }, [
          chart('req/s', rates, 'rate', fmtNumber(reqRate, 2)),
          chart('p95', p95s, 'latency', fmtSeconds(quantile(0.95, delta))),
          chart('inflight', inflights, 'inflight', String(e.inflight)),
        ]),
      ]);
    });
    document.getElementById('endpoints').replaceChildren.apply(
      document.getElementById('endpoints'),
      cards.length ? cards : [el('p', { class: 'empty' }, ['No endpoint metrics yet (dynamo_component_* with dynamo_endpoint).'])],
    );
  }

  function renderModels(now, then, dt) {
    var keys = Object.keys(now.models).sort();
    var section = document.getElementById('models');
    section.hidden = keys.length === 0;
    var rows = keys.map(function (key) {
      var m = now.models[key];
      var p = then && then.models[key];
      var ttftCount = m.ttftCount - ((p && p.ttftCount) || 0);
      var ttft = ttftCount > 0 ? (m.ttftSum - ((p && p.ttftSum) || 0)) / ttftCount : NaN;
      return el('tr', { 'data-model': key }, [
        el('td', {}, [key]),
        el('td', { 'data-field': 'rate' }, [fmtNumber(rate(m, p, 'requests', dt), 2)]),
        el('td', { 'data-field': 'requests' }, [String(m.requests)]),
        el('td', { 'data-field': 'errors' }, [String(m.errors)]),
        el('td', { 'data-field': 'inflight' }, [String(m.inflight)]),
        el('td', { 'data-field': 'queued' }, [String(m.queued)]),
        el('td', { 'data-field': 'ttft' }, [fmtSeconds(ttft)]),
        el('td', { 'data-field': 'tokens-rate' }, [fmtNumber(rate(m, p, 'outputTokens', dt), 1)]),
      ]);
    });
    document.getElementById('model-rows').replaceChildren.apply(document.getElementById('model-rows'), rows);
  }

  var statusEl = document.getElementById('status');
  function setStatus(text, ok) {
    statusEl.textContent = text;
    statusEl.className = ok ? 'ok' : 'error';
  }

  function poll() {
    fetch(scrapeUrl, { headers: { accept: 'text/plain;version=0.0.4' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('the scrape answered ' + response.status);
        return response.text();
      })
      .then(function (text) {
        snapshots.push(snapshot(parse(text)));
        if (snapshots.length > KEEP) snapshots.shift();
        var now = snapshots[snapshots.length - 1];
        var then = snapshots.length > 1 ? windowStart() : undefined;
        var dt = then ? (now.t - then.t) / 1000 : 0;
        renderEndpoints(now, then, dt);
        renderModels(now, then, dt);
        setStatus('Updated ' + new Date(now.t).toLocaleTimeString() + ' · every ' + intervalMs + ' ms from ' + scrapeUrl, true);
      })
      .catch(function (error) { setStatus('Could not read ' + scrapeUrl + ': ' + error.message, false); })
      .then(function () { setTimeout(poll, intervalMs); });
  }
  poll();
})();
`;
