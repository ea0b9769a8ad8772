(function () {
  "use strict";
  var body = document.body;
  var clock = { start: performance.now(), parse: 0, rows: 0, draw: 0, check: 0 };
  var D = JSON.parse(document.getElementById("mt-data").textContent);
  clock.parse = performance.now() - clock.start;
  var KINDS = D.kinds || {};

  // Integers as differences (nulls kept) back to values: value = k * 10^e.
  function undelta(a, e) {
    var out = new Array(a.length), acc = 0;
    var mul = e >= 0 ? Math.pow(10, e) : 0, div = e < 0 ? Math.pow(10, -e) : 0;
    for (var i = 0; i < a.length; i++) {
      var d = a[i];
      if (d === null) { out[i] = null; continue; }
      acc += d;
      out[i] = div ? acc / div : acc * mul;
    }
    return out;
  }
  var TIMES = {};
  Object.keys(D.times).forEach(function (k) { TIMES[k] = undelta(D.times[k], 0); });

  // A series' points at full resolution: times (ms) and values, NaN where a series whose
  // absence means "none now" (s.gaps) breaks off, so that the line shows the gap.
  function points(s) {
    var v = undelta(s.v, s.e || 0), tt = [], vv = [];
    if (s.t) return { t: undelta(s.t, 0), v: v };
    var tc = TIMES[s.tc] || [], j, i;
    if (s.i) {
      var idx = undelta(s.i, 0);
      for (j = 0; j < idx.length; j++) {
        if (s.gaps && j && idx[j] > idx[j - 1] + 1 && idx[j - 1] + 1 < tc.length) {
          tt.push(tc[idx[j - 1] + 1]);
          vv.push(NaN);
        }
        tt.push(tc[idx[j]]);
        vv.push(v[j]);
      }
      return { t: tt, v: vv };
    }
    for (i = 0; i < v.length; i++) {
      if (v[i] !== null) { tt.push(tc[i]); vv.push(v[i]); }
      else if (s.gaps && i && v[i - 1] !== null) { tt.push(tc[i]); vv.push(NaN); }
    }
    return { t: tt, v: vv };
  }

  function lowerBound(t, x) {
    var a = 0, b = t.length;
    while (a < b) { var m = (a + b) >> 1; if (t[m] < x) a = m + 1; else b = m; }
    return a;
  }

  // The points of (t, v) worth drawing between lo and hi at nb pixel columns: in each column
  // the first, lowest, highest and last (the line looks the same), every gap, and one point on
  // either side so that the line runs to the edges. Indices into `out`.
  function pick(t, v, lo, hi, nb, out) {
    var i0 = Math.max(0, lowerBound(t, lo) - 1), i1 = Math.min(t.length, lowerBound(t, hi) + 1), i;
    if (i1 - i0 <= 4 * nb) { for (i = i0; i < i1; i++) out.push(i); return; }
    var w = (hi - lo) / nb, b = null, first = 0, last = 0, mn = -1, mx = -1;
    function flush() {
      if (b === null) return;
      out.push(first);
      if (mn >= 0 && mn !== first) out.push(mn);
      if (mx >= 0 && mx !== first && mx !== mn) out.push(mx);
      if (last !== first && last !== mn && last !== mx) out.push(last);
    }
    for (i = i0; i < i1; i++) {
      var c = Math.floor((t[i] - lo) / w), y = v[i];
      if (c !== b) { flush(); b = c; first = last = i; mn = mx = -1; }
      last = i;
      if (y !== y) { out.push(i); continue; }  // a gap: always
      if (mn < 0 || y < v[mn]) mn = i;
      if (mx < 0 || y > v[mx]) mx = i;
    }
    flush();
  }

  // A plot's series at full resolution, and the span they cover (ms).
  function prepare(p) {
    var ser = p.series.map(points), lo = Infinity, hi = -Infinity;
    ser.forEach(function (q) {
      if (!q.t.length) return;
      lo = Math.min(lo, q.t[0]);
      hi = Math.max(hi, q.t[q.t.length - 1]);
    });
    if (p.x !== "date") { lo = 0; hi = Math.max(hi, p.xmax); }  // the campaign's whole time
    if (!(lo <= hi)) { lo = 0; hi = 1; }
    return { p: p, ser: ser, lo: lo, hi: hi, have: null, g: null, pending: 0 };
  }
  function toMs(e, x) { return e.p.x === "date" ? +x : x * 1000; }
  function fromMs(e, t) { return e.p.x === "date" ? t : t / 1000; }

  // dygraphs' rows for [lo, hi] (ms) at px columns, and as much again on either side (for a
  // pan): [x, y1, y2, ...] at every time a series has a point there, null for the others.
  // Rows at both ends of the plot's span keep its extent (what a double-click zooms out to).
  function view(e, lo, hi, px) {
    var span = Math.max(hi - lo, 1e-6), a = Math.max(e.lo, lo - span), b = Math.min(e.hi, hi + span);
    var nb = Math.max(1, Math.round(px * (b - a) / span)), n = e.ser.length, byT = new Map();
    function row(t) {
      var r = byT.get(t);
      if (r === undefined) {
        r = new Array(n + 1).fill(null);
        r[0] = t;
        byT.set(t, r);
      }
      return r;
    }
    e.ser.forEach(function (q, k) {
      var idx = [];
      pick(q.t, q.v, a, b, nb, idx);
      for (var j = 0; j < idx.length; j++) row(q.t[idx[j]])[k + 1] = q.v[idx[j]];
    });
    row(e.lo);
    row(e.hi);
    var out = Array.from(byT.values());
    out.sort(function (x, y) { return x[0] - y[0]; });
    for (var i = 0; i < out.length; i++) out[i][0] = e.p.x === "date" ? new Date(out[i][0]) : out[i][0] / 1000;
    e.have = [a, b];
    return out;
  }
  function columns(e) { return Math.max(100, (e.g ? e.g.getArea().w : e.div.clientWidth) || 800); }
  function bytes(v) {
    var a = Math.abs(v), u = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"], i = 0;
    while (a >= 1024 && i < u.length - 1) { a /= 1024; i++; }
    return (v < 0 ? "-" : "") + (i ? a.toFixed(1) + u[i] : a.toFixed(0) + "B");
  }
  function count(v) {
    var a = Math.abs(v), u = ["", "k", "M", "G", "T"], i = 0;
    while (a >= 1000 && i < u.length - 1) { a /= 1000; i++; }
    var s = i ? a.toFixed(1) + u[i] : String(Math.round(a * 1000) / 1000);
    return (v < 0 ? "-" : "") + s;
  }
  var FMT = {
    "bytes": bytes,
    "bytes/s": function (v) { return bytes(v) + "/s"; },
    "us": function (v) { return Math.abs(v) >= 1000 ? (v / 1000).toFixed(1) + "ms" : v.toFixed(0) + "us"; },
    "s": function (v) { return v.toFixed(1) + "s"; },
    "%": function (v) { return v.toFixed(1) + "%"; },
    "1/s": function (v) { return count(v) + "/s"; },
    "level": function (v) { return String(Math.round(v * 100) / 100); },
    "": count
  };
  function fmt(unit) { var f = FMT[unit] || FMT[""]; return function (v) { return f(v); }; }

  // The events as vertical lines on a canvas of ours under dygraphs' own (so that those hold
  // only the plot itself), redrawn after every draw (zoom, pan).
  function drawEvents(g, evs) {
    if (!evs.length) return;
    var gd = g.graphDiv, c = gd.querySelector("canvas.mt-ev");
    if (!c) {
      c = document.createElement("canvas");
      c.className = "mt-ev";
      gd.insertBefore(c, gd.firstChild);
    }
    var w = gd.offsetWidth, h = gd.offsetHeight;
    c.width = w; c.height = h;
    c.style.cssText = "position:absolute;left:0;top:0;pointer-events:none;width:" + w + "px;height:" + h + "px";
    var ctx = c.getContext("2d"), a = g.getArea(), r = g.xAxisRange(), byKind = {};
    evs.forEach(function (e) {
      if (e[0] >= r[0] && e[0] <= r[1]) (byKind[e[1]] = byKind[e[1]] || []).push(e[0]);
    });
    Object.keys(byKind).forEach(function (k) {
      var kd = KINDS[k] || { color: "#888", dash: [] };
      ctx.strokeStyle = kd.color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(kd.dash || []);
      ctx.beginPath();
      byKind[k].forEach(function (t) {
        var x = Math.round(g.toDomXCoord(t)) + 0.5;
        ctx.moveTo(x, a.y);
        ctx.lineTo(x, a.y + a.h);
      });
      ctx.stroke();
    });
  }

  // Whether dygraphs' canvases hold coloured pixels (the series; grid and axes are grey).
  function drawn(g) {
    var cs = g.graphDiv.querySelectorAll("canvas");
    for (var i = 0; i < cs.length; i++) {
      var c = cs[i];
      if (c.className === "mt-ev" || !c.width || !c.height) continue;
      var d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      for (var j = 0; j < d.length; j += 4) {
        if (d[j + 3] < 128) continue;
        var hi = Math.max(d[j], d[j + 1], d[j + 2]), lo = Math.min(d[j], d[j + 1], d[j + 2]);
        if (hi - lo > 40) return true;
      }
    }
    return false;
  }

  var groups = {}, expected = 0, ok = 0;

  // A zoom (or a double-click out of one) redraws every plot of the group at the new range with
  // the points that range needs.
  function zoomed(group) {
    return function (lo, hi) {
      (groups[group] || []).forEach(function (e) {
        var a = toMs(e, lo), b = toMs(e, hi), full = a <= e.lo && b >= e.hi;
        e.g.updateOptions({
          file: view(e, full ? e.lo : a, full ? e.hi : b, columns(e)),
          dateWindow: full ? null : [fromMs(e, a), fromMs(e, b)]
        });
      });
    };
  }
  // After a pan past the points at hand, fetch those of the new range.
  function panned(e) {
    if (!e.g || !e.have || e.pending) return;
    var r = e.g.xAxisRange(), a = toMs(e, r[0]), b = toMs(e, r[1]);
    if ((a < e.have[0] && e.have[0] > e.lo) || (b > e.have[1] && e.have[1] < e.hi)) {
      e.pending = setTimeout(function () {
        e.pending = 0;
        var q = e.g.xAxisRange();
        e.g.updateOptions({ file: view(e, toMs(e, q[0]), toMs(e, q[1]), columns(e)) });
      }, 150);
    }
  }

  D.plots.forEach(function (p) {
    expected++;
    try {
      var div = document.getElementById(p.id);
      if (!div) throw new Error("no element for plot " + p.id);
      var evs = p.events === "main" ? D.events : (p.events || []);
      var series = {};
      p.series.forEach(function (s) {
        var o = {};
        if (s.y2) o.axis = "y2";
        if (s.pts) { o.drawPoints = true; o.strokeWidth = 0; o.pointSize = 3; }
        if (s.dash) o.strokePattern = [6, 3];
        if (s.marks || p.x === "date") { o.drawPoints = true; o.pointSize = p.x === "date" ? 3 : 2; }
        series[s.label] = o;
      });
      var f1 = fmt(p.units[0]), f2 = fmt(p.units[1]);
      var t0 = performance.now(), e = prepare(p);
      e.div = div;
      var data = view(e, e.lo, e.hi, columns(e)), t1 = performance.now();
      var opts = {
        labels: ["time"].concat(p.series.map(function (s) { return s.label; })),
        colors: p.series.map(function (s) { return s.color; }),
        series: series,
        connectSeparatedPoints: true,  // a gap is a NaN (see points())
        strokeWidth: 1.5,
        legend: "always",
        labelsDiv: document.getElementById(p.id + "-legend"),
        labelsSeparateLines: false,
        ylabel: p.ylabel || "",
        y2label: p.y2label || "",
        xlabel: p.x === "date" ? "" : "seconds since start",
        includeZero: true,
        animatedZooms: false,
        axes: {
          y: { valueFormatter: f1, axisLabelFormatter: f1, axisLabelWidth: 72,
               labelsKMG2: /^bytes/.test(p.units[0]) },
          y2: { valueFormatter: f2, axisLabelFormatter: f2, axisLabelWidth: 72,
                labelsKMG2: /^bytes/.test(p.units[1]) }
        },
        drawCallback: function (g) { drawEvents(g, evs); panned(e); },
        zoomCallback: zoomed(p.group)
      };
      if (p.x !== "date") opts.axes.x = { valueFormatter: function (v) { return v.toFixed(1) + " s"; } };
      if (p.range) opts.valueRange = p.range;
      if (div.className === "plot-small") opts.axisLabelFontSize = 11;
      e.g = new Dygraph(div, data, opts);
      var t2 = performance.now();
      (groups[p.group] = groups[p.group] || []).push(e);
      if (drawn(e.g)) ok++;
      clock.rows += t1 - t0;
      clock.draw += t2 - t1;
      clock.check += performance.now() - t2;
    } catch (err) {
      mtErr(err && err.message ? err.message : String(err));
    }
  });
  window.mtPlots = groups;  // for a look from the console: the plots by group
  body.setAttribute("data-plots-expected", String(expected));
  body.setAttribute("data-plots-drawn", String(ok));
  body.setAttribute("data-errors", String(MT_ERR.n));
  body.setAttribute("data-error-text", MT_ERR.first);
  body.setAttribute("data-draw-ms", String(Math.round(performance.now() - MT_T0)));
  body.setAttribute("data-ready-ms", String(Math.round(performance.now())));
  body.setAttribute("data-timing", ["parse", "rows", "draw", "check"].map(function (k) {
    return k + "=" + Math.round(clock[k]);
  }).join(" "));
})();
