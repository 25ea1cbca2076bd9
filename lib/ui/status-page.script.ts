// The live page's browser code, as text: one inline script, no build step, no dependency. It
// polls the scrape (text format), keeps the last 90 snapshots, and shows every family of it,
// grouped by component → endpoint: counters as totals and rates, gauges as values, histograms as
// counts, rates and p50/p95/p99 from bucket deltas (Prometheus' histogram_quantile), with charts
// over the kept snapshots. Scrape text is untrusted: it only ever reaches the page as text
// (textContent, attributes), never as markup. Plain ES2017, no template literals.
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
  var QUANTILES = [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]];
  var C = 'dynamo_component_';
  var F = 'dynamo_frontend_';
  var AUTO_LABELS = ['dynamo_namespace', 'dynamo_component', 'dynamo_endpoint'];
  var SVG = 'http://www.w3.org/2000/svg';
  var MINUS = '\u2212';

  // Snapshots, oldest first: { t, values: Map(series key → number | histogram) }.
  var snapshots = [];
  // The families of the newest scrape: { name, type, help, unit, series: [{ key, labels }] }.
  var families = [];
  // The runtime's worker_id (the one value on every dynamo_component_* series): no chip shows it.
  var runtimeWorkerId;
  // Rows whose chart is open, by row key.
  var expanded = new Set();
  // Per element: its keyed children (see keyed()) and the parts it updates.
  var keyedChildren = new WeakMap();
  var partsOf = new WeakMap();

  // ---- The scrape: text exposition format 0.0.4 ----------------------------------------------

  var NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
  var META = /^#\s*(HELP|TYPE)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t](.*))?$/;

  function parseValue(text) {
    if (text === '+Inf') return Infinity;
    if (text === '-Inf') return -Infinity;
    return Number(text);
  }

  function unescapeHelp(text) {
    return text.replace(/\\([\\n])/g, function (_, c) { return c === 'n' ? '\n' : '\\'; });
  }

  // name{label="value",...} value [timestamp]. Labels in an object without a prototype: their
  // names come from the scrape ('__proto__' is a valid label name).
  function parseSample(line) {
    var name = NAME.exec(line);
    if (!name) return undefined;
    var pos = name[0].length;
    var labels = Object.create(null);
    if (line.charAt(pos) === '{') {
      pos++;
      while (pos < line.length && line.charAt(pos) !== '}') {
        var eq = line.indexOf('=', pos);
        if (eq < 0) return undefined;
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
    return { name: name[0], labels: labels, value: parseValue(rest[0]) };
  }

  function labelKey(labels) {
    return '{' + Object.keys(labels).sort().map(function (k) {
      return k + '=' + JSON.stringify(labels[k]);
    }).join(',') + '}';
  }

  function newHistogram() {
    return { count: 0, sum: 0, buckets: Object.create(null), quantiles: Object.create(null) };
  }

  // The families (by HELP/TYPE) and every series' value: a number, or for histograms and
  // summaries { count, sum, buckets: {le: cumulative count}, quantiles: {q: value} }.
  function parse(text) {
    var meta = new Map();
    function familyMeta(name) {
      if (!meta.has(name)) meta.set(name, { name: name, type: '', help: '', series: new Map() });
      return meta.get(name);
    }
    var samples = [];
    text.split('\n').forEach(function (line) {
      if (line.charAt(0) === '#') {
        var m = META.exec(line);
        if (!m) return;
        var family = familyMeta(m[2]);
        if (m[1] === 'HELP') family.help = unescapeHelp(m[3] || '');
        else family.type = (m[3] || '').trim();
        return;
      }
      var sample = line === '' ? undefined : parseSample(line);
      if (sample) samples.push(sample);
    });
    var values = new Map();
    samples.forEach(function (s) {
      var family = meta.get(s.name);
      var part = 'value';
      if (!family || !family.type) {
        var m = /^(.*)_(bucket|sum|count)$/.exec(s.name);
        var parent = m && meta.get(m[1]);
        if (parent && (parent.type === 'histogram' || parent.type === 'summary')) {
          family = parent;
          part = m[2];
        }
      }
      if (!family) family = familyMeta(s.name);
      if (!family.type) family.type = 'untyped';
      var labels = s.labels;
      var le = labels.le;
      var q = labels.quantile;
      if (part === 'bucket') delete labels.le;
      if (family.type === 'summary' && part === 'value') delete labels.quantile;
      var key = family.name + labelKey(labels);
      if (!family.series.has(key)) family.series.set(key, { key: key, labels: labels });
      if (family.type === 'histogram' || family.type === 'summary') {
        var h = values.get(key);
        if (!h) values.set(key, (h = newHistogram()));
        if (part === 'bucket') h.buckets[le] = (h.buckets[le] || 0) + s.value;
        else if (part === 'sum') h.sum += s.value;
        else if (part === 'count') h.count += s.value;
        else if (q !== undefined) h.quantiles[q] = s.value;
      } else {
        values.set(key, (values.get(key) || 0) + s.value);
      }
    });
    var list = [];
    meta.forEach(function (family) {
      if (family.series.size === 0) return;
      var series = Array.from(family.series.values());
      series.sort(function (a, b) { return a.key < b.key ? -1 : a.key > b.key ? 1 : 0; });
      list.push({ name: family.name, type: family.type, help: family.help, unit: unitOf(family.name), series: series });
    });
    list.sort(function (a, b) { return a.name < b.name ? -1 : 1; });
    return { families: list, values: values };
  }

  // ---- Units, from the name's suffix (Prometheus naming conventions) --------------------------

  function unitOf(name) {
    var base = name.replace(/_total$/, '');
    if (/(^|_)(start_time|timestamp)_seconds$/.test(base)) return 'timestamp';
    if (/(^|_)seconds$/.test(base)) return 'seconds';
    if (/(^|_)bytes$/.test(base)) return 'bytes';
    if (/(^|_)tokens$/.test(base)) return 'tokens';
    if (/(^|_)ratio$/.test(base)) return 'ratio';
    return '';
  }

  // The factor and label a value of this magnitude is shown in.
  function scaleOf(unit, magnitude) {
    var m = Math.abs(magnitude);
    if (unit === 'seconds') {
      if (m >= 7200) return [1 / 3600, 'h'];
      if (m >= 120) return [1 / 60, 'min'];
      if (m >= 1 || m === 0) return [1, 's'];
      if (m >= 0.001) return [1000, 'ms'];
      return [1e6, 'µs'];
    }
    if (unit === 'bytes') {
      var sizes = [[1e12, 'TB'], [1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
      for (var i = 0; i < sizes.length; i++) if (m >= sizes[i][0]) return [1 / sizes[i][0], sizes[i][1]];
      return [1, 'B'];
    }
    if (unit === 'tokens') return [1, 'tokens'];
    if (unit === 'ratio') return [100, '%'];
    return [1, ''];
  }

  function trimZeros(text) {
    return text.indexOf('.') < 0 || text.indexOf('e') >= 0 ? text : text.replace(/\.?0+$/, '');
  }

  // Three significant digits; integers below a million exactly; larger ones as 1.23M.
  function num(x) {
    var a = Math.abs(x);
    if (a >= 1e6) {
      var suffixes = ['k', 'M', 'G', 'T', 'P'];
      var i = -1;
      while (Math.abs(x) >= 1000 && i < suffixes.length - 1) { x /= 1000; i++; }
      return trimZeros(x.toPrecision(3)) + suffixes[i];
    }
    if (a >= 100 || Number.isInteger(x)) return String(Math.round(x));
    return trimZeros(x.toPrecision(3));
  }

  function amount(v, unit) {
    if (!isFinite(v)) return '–';
    if (unit === 'timestamp') {
      var date = new Date(v * 1000);
      return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleDateString();
    }
    var scale = scaleOf(unit, v);
    var text = num(v * scale[0]);
    if (!scale[1]) return text;
    return scale[1] === '%' ? text + '%' : text + ' ' + scale[1];
  }

  function perSecond(v, unit) {
    if (!isFinite(v)) return '–';
    if (unit === 'timestamp') unit = 'seconds';
    var scale = scaleOf(unit, v);
    return num(v * scale[0]) + (scale[1] ? ' ' + scale[1] : '') + '/s';
  }

  function fixed(v, digits) {
    return isFinite(v) ? v.toFixed(digits) : '–';
  }

  // ---- Derived numbers ---------------------------------------------------------------------

  // The sum of numeric series.
  function total(keys, values) {
    var sum = 0;
    keys.forEach(function (k) { sum += values.get(k) || 0; });
    return sum;
  }

  // Counters only grow; a drop is a restart, after which all of the new value is the increase.
  function increase(keys, now, then) {
    var sum = 0;
    keys.forEach(function (k) {
      var a = now.get(k) || 0;
      var b = (then && then.get(k)) || 0;
      sum += a >= b ? a - b : a;
    });
    return sum;
  }

  // Histograms of several series summed (Prometheus' sum by (le)).
  function merged(keys, values) {
    var out = newHistogram();
    keys.forEach(function (k) {
      var h = values && values.get(k);
      if (!h || typeof h !== 'object') return;
      out.count += h.count;
      out.sum += h.sum;
      for (var le in h.buckets) out.buckets[le] = (out.buckets[le] || 0) + h.buckets[le];
      for (var q in h.quantiles) out.quantiles[q] = h.quantiles[q];
    });
    return out;
  }

  function minus(a, b) {
    var out = newHistogram();
    out.count = a.count - b.count;
    out.sum = a.sum - b.sum;
    for (var le in a.buckets) out.buckets[le] = a.buckets[le] - (b.buckets[le] || 0);
    if (out.count < 0) return a; // a restart
    return out;
  }

  // Prometheus' histogram_quantile over cumulative bucket counts {le: count}.
  function quantile(q, buckets) {
    var les = Object.keys(buckets).map(function (le) { return [parseValue(le), buckets[le]]; });
    les.sort(function (a, b) { return a[0] - b[0]; });
    if (les.length === 0) return NaN;
    var count = les[les.length - 1][1];
    if (!(count > 0)) return NaN;
    var rank = q * count;
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

  // p50/p95/p99 of a histogram (from its buckets) or a summary (its own quantiles, one series).
  function quantilesOf(type, h, single) {
    return QUANTILES.map(function (entry) {
      if (type === 'histogram') return quantile(entry[1], h.buckets);
      var own = single ? h.quantiles[String(entry[1])] : undefined;
      return own === undefined ? NaN : own;
    });
  }

  // The oldest snapshot at most WINDOW_MS before the newest (the one before it if none).
  function windowStart() {
    var newest = snapshots[snapshots.length - 1];
    for (var i = 0; i < snapshots.length - 1; i++)
      if (newest.t - snapshots[i].t <= WINDOW_MS) return snapshots[i];
    return snapshots[snapshots.length - 2];
  }

  // Per kept snapshot from the second on: [t, fn(values, values ~WINDOW_MS before, seconds)].
  function timeline(fn) {
    var out = [];
    var j = 0;
    for (var i = 1; i < snapshots.length; i++) {
      while (j < i - 1 && snapshots[i].t - snapshots[j].t > WINDOW_MS) j++;
      var seconds = (snapshots[i].t - snapshots[j].t) / 1000;
      out.push([snapshots[i].t, fn(snapshots[i].values, snapshots[j].values, seconds)]);
    }
    return out;
  }

  // What a row shows for its series: value (counter total, gauge value, histogram count), rate,
  // p50/p95/p99 (over the window, or since start when the window saw nothing: "since").
  function measure(family, keys, w) {
    var type = family.type;
    if (type === 'counter') {
      return { value: amount(total(keys, w.now), family.unit), rate: perSecond(w.dt > 0 ? increase(keys, w.now, w.then) / w.dt : NaN, family.unit) };
    }
    if (type !== 'histogram' && type !== 'summary') return { value: amount(total(keys, w.now), family.unit) };
    var now = merged(keys, w.now);
    var recent = w.then ? minus(now, merged(keys, w.then)) : now;
    var since = !(recent.count > 0);
    var qs = quantilesOf(type, since || type === 'summary' ? now : recent, keys.length === 1);
    return {
      value: num(now.count),
      rate: perSecond(w.dt > 0 ? recent.count / w.dt : NaN, ''),
      p: qs.map(function (v) { return amount(v, family.unit); }),
      since: since && now.count > 0 && type === 'histogram',
      mean: now.count > 0 ? now.sum / now.count : NaN,
    };
  }

  // The lines a row's chart draws.
  function chartOf(family, keys) {
    if (family.type === 'counter') {
      return { unit: family.unit, rate: true, lines: [{ cls: 'rate', label: 'rate', points: timeline(function (a, b, s) {
        return s > 0 ? increase(keys, a, b) / s : NaN;
      }) }] };
    }
    if (family.type === 'histogram') {
      return { unit: family.unit, lines: QUANTILES.map(function (entry) {
        return { cls: entry[0], label: entry[0], points: timeline(function (a, b) {
          return quantile(entry[1], minus(merged(keys, a), merged(keys, b)).buckets);
        }) };
      }) };
    }
    if (family.type === 'summary') {
      return { unit: '', rate: true, lines: [{ cls: 'rate', label: 'observations', points: timeline(function (a, b, s) {
        return s > 0 ? (merged(keys, a).count - merged(keys, b).count) / s : NaN;
      }) }] };
    }
    return { unit: family.unit, lines: [{ cls: 'value', label: 'value', points: timeline(function (a) {
      return total(keys, a);
    }) }] };
  }

  // ---- Groups: component → endpoint, then namespace, frontend, runtime, other ---------------

  var GROUP_ORDER = { component: 0, namespace: 1, frontend: 2, runtime: 3, other: 4 };

  function placeOf(family, labels) {
    var ns = labels.dynamo_namespace;
    var component = labels.dynamo_component;
    var endpoint = labels.dynamo_endpoint;
    if (family.name.indexOf(F) === 0) return { group: ['frontend', ''], scope: ['frontend', ''] };
    if (component !== undefined) {
      var path = (ns || '') + '/' + component;
      return {
        group: ['component', path],
        scope: endpoint !== undefined ? ['endpoint', path + '/' + endpoint] : ['component', path],
        ns: ns || '', component: component, endpoint: endpoint,
      };
    }
    if (ns !== undefined) return { group: ['namespace', ns], scope: ['namespace', ns] };
    if (family.name.indexOf('dynamo_') === 0) return { group: ['runtime', ''], scope: ['runtime', ''] };
    return { group: ['other', ''], scope: ['other', ''] };
  }

  function arrange() {
    var groups = new Map();
    families.forEach(function (family) {
      family.series.forEach(function (series) {
        var place = placeOf(family, series.labels);
        var groupKey = (place.group[0] + ' ' + place.group[1]).trim();
        var group = groups.get(groupKey);
        if (!group) {
          group = { key: groupKey, kind: place.group[0], id: place.group[1], ns: place.ns, component: place.component, scopes: new Map() };
          groups.set(groupKey, group);
        }
        var scopeKey = place.scope[0] + ' ' + place.scope[1];
        var scope = group.scopes.get(scopeKey);
        if (!scope) {
          scope = { key: scopeKey, kind: place.scope[0], id: place.scope[1], endpoint: place.endpoint, families: new Map() };
          group.scopes.set(scopeKey, scope);
        }
        var entry = scope.families.get(family.name);
        if (!entry) scope.families.set(family.name, (entry = { family: family, series: [] }));
        entry.series.push(series);
      });
    });
    var list = Array.from(groups.values());
    list.sort(function (a, b) {
      return GROUP_ORDER[a.kind] - GROUP_ORDER[b.kind] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    });
    list.forEach(function (group) {
      group.scopes.forEach(function (scope) { scope.common = scope.kind === 'endpoint' ? commonLabels(scope) : []; });
      // The component's own series first, then its endpoints by name.
      group.scopeList = Array.from(group.scopes.values()).sort(function (a, b) {
        if (a.kind !== b.kind) return a.kind === 'component' ? -1 : 1;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
    });
    return list;
  }

  function ownLabels(labels, hidden) {
    return Object.keys(labels).filter(function (k) {
      if (k === 'worker_id' && labels[k] === runtimeWorkerId) return false;
      return AUTO_LABELS.indexOf(k) < 0 && (!hidden || hidden.indexOf(k) < 0);
    }).sort();
  }

  // The worker_id every dynamo_component_* series carries, if they all carry the same one.
  function workerIdOf(list) {
    var ids = new Set();
    list.forEach(function (family) {
      if (family.name.indexOf(C) !== 0) return;
      family.series.forEach(function (s) { ids.add(s.labels.worker_id); });
    });
    return ids.size === 1 ? ids.values().next().value : undefined;
  }

  // Labels every series of an endpoint has with one value (its const labels, e.g. model): shown
  // once, next to the endpoint's name, instead of on every row.
  function commonLabels(scope) {
    var first;
    var common;
    scope.families.forEach(function (entry) {
      entry.series.forEach(function (s) {
        if (!first) {
          first = s.labels;
          common = ownLabels(first);
        }
        common = common.filter(function (k) { return s.labels[k] === first[k]; });
      });
    });
    return (common || []).map(function (k) { return [k, first[k]]; });
  }

  function isIdle(family, key, values) {
    var v = values.get(key);
    if (family.type === 'counter') return v === 0;
    if (family.type === 'histogram' || family.type === 'summary') return !v || v.count === 0;
    return false;
  }

  // A family with one series is one row; with several, a row of their sum and a row per series
  // (series of counters and histograms that never counted are left out, and said so).
  function rowsOf(scope, entry, values) {
    var family = entry.family;
    var keys = entry.series.map(function (s) { return s.key; });
    var familyKey = scope.key + '\u0000' + family.name;
    var hidden = scope.common.map(function (pair) { return pair[0]; });
    if (entry.series.length === 1) {
      var labels = entry.series[0].labels;
      return [{ key: familyKey, kind: 'family', family: family, keys: keys, chips: ownLabels(labels, hidden).map(function (k) { return [k, labels[k]]; }), note: '' }];
    }
    var names = ownLabels(entry.series[0].labels, hidden);
    var common = names.filter(function (k) {
      return entry.series.every(function (s) { return s.labels[k] === entry.series[0].labels[k]; });
    });
    var varying = [];
    entry.series.forEach(function (s) {
      ownLabels(s.labels, hidden).forEach(function (k) { if (common.indexOf(k) < 0 && varying.indexOf(k) < 0) varying.push(k); });
    });
    var shown = entry.series.filter(function (s) { return !isIdle(family, s.key, values); });
    var idle = entry.series.length - shown.length;
    var note = (varying.length ? 'by ' + varying.join(', ') + ' · ' : '') + entry.series.length + ' series' + (idle ? ', ' + idle + ' at 0' : '');
    var rows = [{ key: familyKey, kind: 'family', family: family, keys: keys, note: note, chips: common.map(function (k) { return [k, entry.series[0].labels[k]]; }) }];
    shown.forEach(function (s) {
      rows.push({ key: s.key, kind: 'series', family: family, keys: [s.key], note: '', chips: varying.filter(function (k) { return s.labels[k] !== undefined; }).map(function (k) { return [k, s.labels[k]]; }) });
    });
    return rows;
  }

  // ---- DOM helpers: text only, elements kept across redraws --------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c); });
    return node;
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function setAttr(node, name, value) {
    if (value === undefined || value === '') {
      if (node.hasAttribute(name)) node.removeAttribute(name);
    } else if (node.getAttribute(name) !== value) node.setAttribute(name, value);
  }

  // Makes parent's children the nodes of items in order: kept by item.key across redraws (so a
  // hovered title, an open <details> or a focused button survive), created when new.
  function keyed(parent, items, create, update) {
    var old = keyedChildren.get(parent) || new Map();
    var next = new Map();
    var nodes = items.map(function (item) {
      var node = old.get(item.key) || create(item);
      update(node, item);
      next.set(item.key, node);
      return node;
    });
    keyedChildren.set(parent, next);
    var same = parent.children.length === nodes.length;
    for (var i = 0; same && i < nodes.length; i++) same = parent.children[i] === nodes[i];
    if (!same) parent.replaceChildren.apply(parent, nodes);
  }

  // ---- Charts: SVG with a time axis and a value axis ---------------------------------------

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // About four round steps (1, 2, 2.5, 5 × 10^n) from lo to hi.
  function niceTicks(lo, hi, integer) {
    if (!(hi > lo)) hi = lo + 1;
    var raw = (hi - lo) / 4;
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 2.5, 5, 10].map(function (m) { return m * power; }).find(function (s) { return s >= raw; });
    if (integer) step = Math.max(1, Math.ceil(step));
    var start = Math.floor(lo / step) * step;
    var ticks = [];
    for (var i = 0; start + i * step < hi + step * 0.999; i++) ticks.push(start + i * step);
    return { ticks: ticks, step: step };
  }

  function tickLabel(v, step) {
    if (step >= 1e6) return trimZeros((v / 1e6).toFixed(2)) + 'M';
    if (step >= 1000) return trimZeros((v / 1000).toFixed(2)) + 'k';
    var exponent = Math.floor(Math.log10(step));
    var mantissa = step / Math.pow(10, exponent);
    var digits = Math.max(0, -exponent + (Math.abs(mantissa - 2.5) < 1e-9 ? 1 : 0));
    return v.toFixed(Math.min(6, digits));
  }

  // The time ticks, left to right: every round step back over the chart's span, then now.
  function timeTicks(span) {
    var seconds = span / 1000;
    var step = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].find(function (s) { return seconds / s <= 5; }) || 3600;
    var ticks = [];
    for (var k = 0; k * step <= seconds + 1e-9; k++) {
      var back = k * step;
      ticks.unshift([back * 1000, k === 0 ? 'now' : MINUS + (step >= 60 ? back / 60 + ' min' : back + ' s')]);
    }
    return ticks;
  }

  // Draws spec { unit, rate, unitLabel?, integer?, lines: [{ cls, points: [[t, v]] }] } into the
  // figure's svg, as wide as the figure is.
  function drawChart(figure, spec, height) {
    var box = partsOf.get(figure).svg;
    var width = Math.max(180, Math.floor(figure.clientWidth || 300));
    var max = -Infinity;
    var min = 0;
    spec.lines.forEach(function (line) {
      line.points.forEach(function (p) {
        if (isFinite(p[1])) { max = Math.max(max, p[1]); min = Math.min(min, p[1]); }
      });
    });
    if (!isFinite(max)) max = 0;
    var scale = scaleOf(spec.unit === 'timestamp' ? '' : spec.unit, Math.max(Math.abs(max), Math.abs(min)));
    var unitLabel = spec.unitLabel !== undefined ? spec.unitLabel : scale[1] + (spec.rate ? '/s' : '');
    var y = niceTicks(min * scale[0], max * scale[0], spec.integer);
    var labels = y.ticks.map(function (v) { return tickLabel(v, y.step); });
    var left = 8 + 6 * Math.max.apply(null, labels.map(function (l) { return l.length; }));
    var top = 16, right = 14, bottom = 18;
    var plotW = width - left - right, plotH = height - top - bottom;
    var lo = y.ticks[0], hi = y.ticks[y.ticks.length - 1];
    var yOf = function (v) { return top + plotH - ((v * scale[0] - lo) / (hi - lo || 1)) * plotH; };
    var tNow = snapshots[snapshots.length - 1].t;
    var span = Math.max((KEEP - 1) * intervalMs, tNow - snapshots[0].t, 1000);
    var xOf = function (t) { return left + (1 - (tNow - t) / span) * plotW; };

    var nodes = [svg('text', { class: 'unit', x: 0, y: 10 }, unitLabel)];
    y.ticks.forEach(function (v, i) {
      var py = yOf(v / scale[0]).toFixed(1);
      nodes.push(svg('line', { class: 'grid', x1: left, x2: left + plotW, y1: py, y2: py }));
      nodes.push(svg('text', { class: 'tick-y', x: left - 5, y: Number(py) + 3.5, 'text-anchor': 'end' }, labels[i]));
    });
    nodes.push(svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: top + plotH }));
    nodes.push(svg('line', { class: 'axis', x1: left, x2: left + plotW, y1: top + plotH, y2: top + plotH }));
    timeTicks(span).forEach(function (tick) {
      var px = xOf(tNow - tick[0]);
      if (px < left + 16) return;
      nodes.push(svg('line', { class: 'axis', x1: px.toFixed(1), x2: px.toFixed(1), y1: top + plotH, y2: top + plotH + 3 }));
      nodes.push(svg('text', { class: 'tick-x', x: px.toFixed(1), y: height - 3, 'text-anchor': tick[0] === 0 ? 'end' : 'middle' }, tick[1]));
    });
    spec.lines.forEach(function (line) {
      var d = '';
      var pen = false;
      line.points.forEach(function (p) {
        if (!isFinite(p[1])) { pen = false; return; }
        d += (pen ? 'L' : 'M') + xOf(p[0]).toFixed(1) + ' ' + yOf(p[1]).toFixed(1) + (pen ? '' : 'l0 0');
        pen = true;
      });
      if (d) nodes.push(svg('path', { class: 'line ' + line.cls, d: d }));
    });
    setAttr(box, 'viewBox', '0 0 ' + width + ' ' + height);
    setAttr(box, 'width', String(width));
    setAttr(box, 'height', String(height));
    setAttr(box, 'aria-label', (spec.title || '') + ' in ' + (unitLabel || 'units') + ', the last ' + Math.round(span / 1000) + ' s');
    box.replaceChildren.apply(box, nodes);
  }

  function chartFigure(title, keys) {
    var last = el('span', { class: 'last' });
    var legend = (keys || []).map(function (k) { return el('span', { class: 'key ' + k }, [k]); });
    var box = document.createElementNS(SVG, 'svg');
    box.setAttribute('role', 'img');
    var figure = el('figure', { class: 'chart' }, [
      el('figcaption', {}, [el('span', { class: 'title' }, [title])].concat(legend, [last])),
      box,
    ]);
    partsOf.set(figure, { svg: box, last: last });
    return figure;
  }

  // ---- Groups, scopes and rows -------------------------------------------------------------

  function groupTitle(group) {
    if (group.kind === 'component') {
      var ns = group.ns ? group.ns + ' / ' : '';
      return [el('span', { class: 'kind' }, ['component']), el('span', { class: 'ns' }, [ns]), group.component];
    }
    if (group.kind === 'namespace') return [el('span', { class: 'kind' }, ['namespace']), group.id];
    if (group.kind === 'frontend') return ['frontend ', el('span', { class: 'ns' }, ['(by model)'])];
    if (group.kind === 'runtime') return ['runtime ', el('span', { class: 'ns' }, ['(no namespace)'])];
    return ['other ', el('span', { class: 'ns' }, ['(not from the Dynamo hierarchy)'])];
  }

  function createGroup(group) {
    var meta = el('span', { class: 'meta' });
    var scopes = el('div', { class: 'scopes' });
    var details = el('details', { class: 'group', 'data-group': group.key }, [
      el('summary', {}, [el('h2', { title: group.key }, groupTitle(group)), meta]),
      scopes,
    ]);
    // Everything not from the hierarchy (process, Node.js, other libraries) starts folded.
    details.open = group.kind !== 'other';
    partsOf.set(details, { meta: meta, scopes: scopes });
    return details;
  }

  function updateGroup(node, group, w, charts) {
    var parts = partsOf.get(node);
    var familyCount = 0, seriesCount = 0;
    group.scopeList.forEach(function (scope) {
      scope.families.forEach(function (entry) { familyCount++; seriesCount += entry.series.length; });
    });
    setText(parts.meta, familyCount + (familyCount === 1 ? ' family' : ' families') + ' · ' + seriesCount + ' series');
    keyed(parts.scopes, group.scopeList, createScope, function (scopeNode, scope) {
      updateScope(scopeNode, scope, w, charts);
    });
  }

  var COLUMNS = [['value', 'total / value', 'counter: total · gauge: value · histogram: observations'], ['rate', 'rate', 'per second, over the last 10 s'], ['p50', 'p50', 'last 10 s (italic: since start)'], ['p95', 'p95', ''], ['p99', 'p99', '']];

  function familyTable() {
    var body = el('tbody');
    var table = el('table', { class: 'families' }, [
      el('colgroup', {}, [el('col', { class: 'c-name' }), el('col', { class: 'c-labels' })].concat(COLUMNS.map(function (c) {
        return el('col', { class: c[0] === 'value' || c[0] === 'rate' ? 'c-wide' : 'c-num' });
      }))),
      el('thead', {}, [el('tr', {}, [el('th', {}, ['metric']), el('th', { class: 'labels' }, ['labels'])].concat(COLUMNS.map(function (c) {
        return el('th', { class: 'num', title: c[2] }, [c[1]]);
      })))]),
      body,
    ]);
    return { table: table, body: body };
  }

  function createScope(scope) {
    var section = el('section', { class: 'scope', 'data-scope': scope.kind });
    var parts = {};
    if (scope.kind === 'endpoint') {
      section.setAttribute('data-endpoint', scope.id);
      parts.common = el('span', { class: 'chips' });
      section.append(el('h3', {}, [el('span', { class: 'kind' }, ['endpoint']), el('span', { class: 'title', title: scope.endpoint }, [scope.endpoint]), parts.common]));
      parts.headline = el('div', { class: 'headline', hidden: '' });
      section.append(parts.headline);
    } else if (scope.kind === 'component') {
      section.append(el('h3', {}, [el('span', { class: 'kind' }, ['component-wide']), el('span', { class: 'ns' }, ['not tied to one endpoint: @Timed() methods, custom metrics'])]));
    }
    if (scope.kind === 'frontend') {
      parts.models = modelsSection();
      section.append(parts.models.section);
    }
    var table = familyTable();
    parts.rows = table.body;
    section.append(table.table);
    partsOf.set(section, parts);
    return section;
  }

  function updateScope(node, scope, w, charts) {
    var parts = partsOf.get(node);
    if (parts.common) updateChips(parts.common, { chips: scope.common, note: '' });
    if (parts.headline) updateHeadline(parts.headline, scope, w, charts);
    if (parts.models) updateModels(parts.models, scope, w);
    // An endpoint's own metrics first: its work-handler families are also in the headline above.
    var entries = Array.from(scope.families.values());
    entries.sort(function (a, b) {
      return isWorkHandler(a.family.name) - isWorkHandler(b.family.name) || (a.family.name < b.family.name ? -1 : 1);
    });
    var items = [];
    entries.forEach(function (entry) {
      rowsOf(scope, entry, w.now).forEach(function (row) {
        items.push(row);
        if (expanded.has(row.key)) items.push({ key: row.key + '\u0000chart', kind: 'detail', family: row.family, keys: row.keys });
      });
    });
    keyed(parts.rows, items, createRow, function (rowNode, item) { updateRow(rowNode, item, w, charts); });
  }

  function nameParts(name) {
    var prefix = name.indexOf(C) === 0 ? C : name.indexOf(F) === 0 ? F : '';
    return [el('span', { class: 'prefix' }, [prefix]), name.slice(prefix.length)];
  }

  function createRow(item) {
    var tr = el('tr', { class: item.kind, 'data-family': item.family.name });
    if (item.kind === 'detail') {
      var help = el('p', { class: 'help' });
      var figure = chartFigure(item.family.type === 'counter' ? 'rate' : item.family.type === 'histogram' ? 'quantiles' : item.family.type === 'summary' ? 'observations' : 'value', item.family.type === 'histogram' ? ['p50', 'p95', 'p99'] : []);
      tr.append(el('td', { colspan: String(2 + COLUMNS.length) }, [help, figure]));
      partsOf.set(tr, { help: help, figure: figure });
      return tr;
    }
    var toggle = el('button', { class: 'toggle', type: 'button', 'aria-expanded': 'false', title: 'Chart' }, ['▸']);
    toggle.addEventListener('click', function () {
      if (expanded.has(item.key)) expanded.delete(item.key);
      else expanded.add(item.key);
      render();
    });
    var nameCell = el('td', {}, [toggle]);
    if (item.kind === 'family') {
      nameCell.append(el('span', { class: 'name', title: item.family.name + (item.family.help ? '\n' + item.family.help : '') }, nameParts(item.family.name)), el('span', { class: 'type' }, [item.family.type]));
    } else {
      nameCell.append(el('span', { class: 'branch' }, ['↳']));
    }
    var chips = el('div', { class: 'chips' });
    var cells = {};
    var row = [nameCell, el('td', { class: 'labels', 'data-cell': 'labels' }, [chips])];
    COLUMNS.forEach(function (c) {
      cells[c[0]] = el('td', { class: 'num', 'data-cell': c[0] });
      row.push(cells[c[0]]);
    });
    tr.append.apply(tr, row);
    partsOf.set(tr, { toggle: toggle, chips: chips, cells: cells });
    return tr;
  }

  // Label chips: each value cut with an ellipsis to fit, in full in its title. Rebuilt only when
  // they change, so a title being hovered stays.
  var chipSignatures = new WeakMap();
  function updateChips(container, item) {
    var signature = JSON.stringify([item.chips, item.note]);
    if (chipSignatures.get(container) === signature) return;
    chipSignatures.set(container, signature);
    var nodes = item.chips.map(function (pair) {
      return el('span', { class: 'chip' }, [
        el('span', { class: 'lk' }, [pair[0]]),
        pair[1] === ''
          ? el('span', { class: 'lv blank', title: '(empty)' }, ['""'])
          : el('span', { class: 'lv', title: pair[1] }, [pair[1]]),
      ]);
    });
    if (item.note) nodes.push(el('span', { class: 'note' }, [item.note]));
    container.replaceChildren.apply(container, nodes);
  }

  function updateRow(node, item, w, charts) {
    var parts = partsOf.get(node);
    if (item.kind === 'detail') {
      setText(parts.help, item.family.help || '(no help text)');
      var spec = chartOf(item.family, item.keys);
      spec.title = item.family.name;
      charts.push(function () { drawChart(parts.figure, spec, 130); });
      return;
    }
    setAttr(parts.toggle, 'aria-expanded', String(expanded.has(item.key)));
    setText(parts.toggle, expanded.has(item.key) ? '▾' : '▸');
    updateChips(parts.chips, item);
    var m = measure(item.family, item.keys, w);
    setText(parts.cells.value, m.value);
    setText(parts.cells.rate, m.rate || '');
    QUANTILES.forEach(function (entry, i) {
      var cell = parts.cells[entry[0]];
      setText(cell, m.p ? m.p[i] : '');
      cell.classList.toggle('since', Boolean(m.since));
      setAttr(cell, 'title', m.since ? 'nothing observed in the last 10 s: since start' : '');
    });
    setAttr(parts.cells.value, 'title', m.p && isFinite(m.mean) ? 'mean ' + amount(m.mean, item.family.unit) : '');
  }

  // ---- An endpoint's work-handler headline: the numbers and charts Grafana's panels show -----

  var STATS = [
    ['rate', 'req/s', 'requests per second over the last 10 s'],
    ['requests', 'requests', 'since start'],
    ['errors', 'errors', 'since start'],
    ['error-rate', 'errors/s', 'over the last 10 s'],
    ['p50', 'p50', 'request duration, last 10 s (since start when idle)'],
    ['p95', 'p95', 'request duration'],
    ['p99', 'p99', 'request duration'],
    ['inflight', 'inflight', 'requests being handled now'],
    ['bytes-in', 'in', 'request bytes per second'],
    ['bytes-out', 'out', 'response bytes per second'],
    ['cancelled', 'cancelled', 'since start'],
  ];

  var WORK_HANDLER = ['requests_total', 'request_duration_seconds', 'inflight_requests', 'request_bytes_total', 'response_bytes_total', 'errors_total', 'cancellation_total'];

  function isWorkHandler(name) {
    return name.indexOf(C) === 0 && WORK_HANDLER.indexOf(name.slice(C.length)) >= 0 ? 1 : 0;
  }

  function keysOf(scope, suffix) {
    var entry = scope.families.get(C + suffix);
    return entry ? entry.series.map(function (s) { return s.key; }) : [];
  }

  function buildHeadline(node) {
    var values = {};
    var stats = el('div', { class: 'stats' }, STATS.map(function (s) {
      values[s[0]] = el('span', { class: 'value', 'data-field': s[0] });
      return el('div', { class: 'stat', title: s[2] }, [el('span', { class: 'label' }, [s[1]]), values[s[0]]]);
    }));
    var charts = [chartFigure('requests'), chartFigure('duration', ['p50', 'p95', 'p99']), chartFigure('inflight')];
    node.append(stats, el('div', { class: 'charts' }, charts));
    partsOf.set(node, { values: values, charts: charts });
  }

  function updateHeadline(node, scope, w, charts) {
    var requests = keysOf(scope, 'requests_total');
    node.hidden = requests.length === 0;
    if (node.hidden) return;
    if (!partsOf.has(node)) buildHeadline(node);
    var parts = partsOf.get(node);
    var v = parts.values;
    var rate = function (keys) { return w.dt > 0 ? increase(keys, w.now, w.then) / w.dt : NaN; };
    var durations = keysOf(scope, 'request_duration_seconds');
    var now = merged(durations, w.now);
    var recent = w.then ? minus(now, merged(durations, w.then)) : now;
    var h = recent.count > 0 ? recent : now;
    var inflight = keysOf(scope, 'inflight_requests');
    setText(v.rate, fixed(rate(requests), 2));
    setText(v.requests, num(total(requests, w.now)));
    setText(v.errors, num(total(keysOf(scope, 'errors_total'), w.now)));
    setText(v['error-rate'], fixed(rate(keysOf(scope, 'errors_total')), 2));
    QUANTILES.forEach(function (entry) { setText(v[entry[0]], amount(quantile(entry[1], h.buckets), 'seconds')); });
    setText(v.inflight, num(total(inflight, w.now)));
    setText(v['bytes-in'], perSecond(rate(keysOf(scope, 'request_bytes_total')), 'bytes'));
    setText(v['bytes-out'], perSecond(rate(keysOf(scope, 'response_bytes_total')), 'bytes'));
    setText(v.cancelled, num(total(keysOf(scope, 'cancellation_total'), w.now)));

    var rates = chartOf({ type: 'counter', unit: '' }, requests);
    rates.unitLabel = 'req/s';
    rates.title = 'requests per second';
    var latency = chartOf({ type: 'histogram', unit: 'seconds' }, durations);
    latency.title = 'request duration';
    var load = chartOf({ type: 'gauge', unit: '' }, inflight);
    load.unitLabel = 'req';
    load.integer = true;
    load.title = 'requests in flight';
    setText(partsOf.get(parts.charts[0]).last, fixed(rate(requests), 2) + '/s');
    setText(partsOf.get(parts.charts[1]).last, 'p95 ' + amount(quantile(0.95, h.buckets), 'seconds'));
    setText(partsOf.get(parts.charts[2]).last, num(total(inflight, w.now)));
    charts.push(function () {
      drawChart(parts.charts[0], rates, 104);
      drawChart(parts.charts[1], latency, 104);
      drawChart(parts.charts[2], load, 104);
    });
  }

  // ---- The frontend's models: one row per model label value --------------------------------

  function modelsSection() {
    var rows = el('tbody', { id: 'model-rows' });
    var heads = ['model', 'req/s', 'requests', 'errors', 'inflight', 'queued', 'avg TTFT', 'tokens/s'];
    var section = el('section', { id: 'models', class: 'models' }, [
      el('table', {}, [el('thead', {}, [el('tr', {}, heads.map(function (h) { return el('th', {}, [h]); }))]), rows]),
    ]);
    return { section: section, rows: rows };
  }

  function updateModels(parts, scope, w) {
    var models = new Map();
    function model(name) {
      if (!models.has(name)) models.set(name, { key: name, requests: [], errors: [], inflight: [], queued: [], ttft: [], tokens: [] });
      return models.get(name);
    }
    var fields = { requests_total: 'requests', inflight_requests: 'inflight', queued_requests: 'queued', time_to_first_token_seconds: 'ttft', output_tokens_total: 'tokens' };
    scope.families.forEach(function (entry, name) {
      var field = fields[name.slice(F.length)];
      if (!field) return;
      entry.series.forEach(function (s) {
        if (s.labels.model === undefined) return;
        var m = model(s.labels.model);
        m[field].push(s.key);
        if (field === 'requests' && s.labels.status === 'error') m.errors.push(s.key);
      });
    });
    var list = Array.from(models.values()).sort(function (a, b) { return a.key < b.key ? -1 : 1; });
    parts.section.hidden = list.length === 0;
    keyed(parts.rows, list, function (m) {
      var cells = {};
      var names = ['rate', 'requests', 'errors', 'inflight', 'queued', 'ttft', 'tokens-rate'];
      var tr = el('tr', { 'data-model': m.key }, [el('td', { title: m.key }, [m.key])].concat(names.map(function (n) {
        return (cells[n] = el('td', { 'data-field': n }));
      })));
      partsOf.set(tr, cells);
      return tr;
    }, function (tr, m) {
      var cells = partsOf.get(tr);
      var rate = function (keys) { return w.dt > 0 ? increase(keys, w.now, w.then) / w.dt : NaN; };
      var ttftNow = merged(m.ttft, w.now);
      var ttft = w.then ? minus(ttftNow, merged(m.ttft, w.then)) : ttftNow;
      setText(cells.rate, fixed(rate(m.requests), 2));
      setText(cells.requests, num(total(m.requests, w.now)));
      setText(cells.errors, num(total(m.errors, w.now)));
      setText(cells.inflight, num(total(m.inflight, w.now)));
      setText(cells.queued, num(total(m.queued, w.now)));
      setText(cells.ttft, amount(ttft.count > 0 ? ttft.sum / ttft.count : NaN, 'seconds'));
      setText(cells['tokens-rate'], fixed(rate(m.tokens), 1));
    });
  }

  // ---- The loop ----------------------------------------------------------------------------

  var groupsEl = document.getElementById('groups');
  var statusEl = document.getElementById('status');
  var summaryEl = document.getElementById('summary');

  function setStatus(text, ok) {
    setText(statusEl, text);
    statusEl.className = ok ? 'ok' : 'error';
  }

  function render() {
    if (snapshots.length === 0) return;
    var now = snapshots[snapshots.length - 1];
    var then = snapshots.length > 1 ? windowStart() : undefined;
    var w = { now: now.values, then: then && then.values, dt: then ? (now.t - then.t) / 1000 : 0 };
    var groups = arrange();
    // Charts are drawn once their figures are in the page, at the width they got.
    var charts = [];
    keyed(groupsEl, groups, createGroup, function (node, group) { updateGroup(node, group, w, charts); });
    if (groups.length === 0) groupsEl.replaceChildren(el('p', { class: 'empty' }, ['The scrape has no series yet.']));
    charts.forEach(function (draw) { draw(); });
    var seriesCount = 0;
    families.forEach(function (f) { seriesCount += f.series.length; });
    setText(summaryEl, families.length + ' families · ' + seriesCount + ' series');
  }

  function poll() {
    fetch(scrapeUrl, { headers: { accept: 'text/plain;version=0.0.4' }, cache: 'no-store', credentials: 'same-origin' })
      .then(function (response) {
        if (!response.ok) throw new Error('the scrape answered ' + response.status);
        return response.text();
      })
      .then(function (text) {
        var scrape = parse(text);
        families = scrape.families;
        runtimeWorkerId = workerIdOf(families);
        snapshots.push({ t: Date.now(), values: scrape.values });
        if (snapshots.length > KEEP) snapshots.shift();
        render();
        setStatus('Updated ' + new Date(snapshots[snapshots.length - 1].t).toLocaleTimeString() + ' · every ' + intervalMs + ' ms from ' + scrapeUrl, true);
      })
      .catch(function (error) { setStatus('Could not read ' + scrapeUrl + ': ' + error.message, false); })
      .then(function () { setTimeout(poll, intervalMs); });
  }
  var resizing;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(render, 150);
  });
  poll();
})();
`;
