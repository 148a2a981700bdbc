"use strict";
(function () {
  var data = JSON.parse(document.getElementById("population-data").textContent);
  var columns = data.columns, rows = data.rows, shown = data.shown;
  var short = {};
  (data.short || []).forEach(function (c) { short[c] = true; });
  var index = {};
  columns.forEach(function (c, i) { index[c] = i; });
  var numeric = { pr: true, seq: true, gate_seq: true };
  var PAGE = 200;
  var state = { sort: null, dir: 1, filter: "", verdict: "", page: 0, all: false, open: {} };
  var view = rows.map(function (_, i) { return i; });
  var haystack = null;

  function visibleColumns() { return state.all ? columns : shown; }

  function cell(value) { return value === null || value === undefined ? "" : String(value); }

  function buildHaystack() {
    if (haystack) { return; }
    haystack = rows.map(function (r) { return r.map(cell).join("\u0001").toLowerCase(); });
  }

  function recompute() {
    var needle = state.filter.toLowerCase(), verdictAt = index.verdict, out = [];
    if (needle) { buildHaystack(); }
    for (var i = 0; i < rows.length; i++) {
      if (state.verdict && rows[i][verdictAt] !== state.verdict) { continue; }
      if (needle && haystack[i].indexOf(needle) < 0) { continue; }
      out.push(i);
    }
    if (state.sort !== null) {
      var at = index[state.sort], dir = state.dir, isNum = numeric[state.sort];
      var keys = {};
      out.forEach(function (i) {
        var v = rows[i][at];
        keys[i] = isNum ? (v === "" || v === null ? -Infinity : Number(v)) : cell(v).toLowerCase();
      });
      out.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (x < y) { return -dir; }
        if (x > y) { return dir; }
        return a - b;
      });
    }
    view = out;
    state.page = 0;
  }

  function header() {
    var thead = document.querySelector("#population thead");
    thead.textContent = "";
    var tr = document.createElement("tr");
    visibleColumns().forEach(function (c) {
      var th = document.createElement("th");
      th.textContent = c + (state.sort === c ? (state.dir > 0 ? " ▲" : " ▼") : "");
      th.dataset.column = c;
      th.addEventListener("click", function () {
        if (state.sort === c) { state.dir = -state.dir; } else { state.sort = c; state.dir = 1; }
        recompute();
        draw();
      });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
  }

  function draw() {
    header();
    var cols = visibleColumns(), tbody = document.querySelector("#population tbody");
    tbody.textContent = "";
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    var start = state.page * PAGE, end = Math.min(view.length, start + PAGE);
    var fragment = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var i = view[k], row = rows[i], tr = document.createElement("tr");
      tr.dataset.row = String(i);
      cols.forEach(function (c) {
        var td = document.createElement("td"), v = cell(row[index[c]]);
        td.textContent = c === "entry_hash" ? v.slice(0, 16) : v;
        if (c === "entry_hash") { td.title = v; }
        var classes = [];
        if (short[c]) { classes.push("short"); }
        if (c === "verdict") { classes.push("verdict-" + v.replace(/[^a-z]/g, "")); }
        td.dataset.column = c;
        if (classes.length) { td.className = classes.join(" "); }
        tr.appendChild(td);
      });
      tr.addEventListener("click", toggle.bind(null, i));
      fragment.appendChild(tr);
      if (state.open[i]) { fragment.appendChild(detail(i, cols.length)); }
    }
    tbody.appendChild(fragment);
    document.getElementById("count").textContent = view.length + " of " + rows.length + " changes";
    document.getElementById("page").textContent = " page " + (state.page + 1) + " of " + pages + " ";
  }

  function detail(i, span) {
    var tr = document.createElement("tr"), td = document.createElement("td");
    tr.className = "detail";
    td.colSpan = span;
    var dl = document.createElement("dl");
    columns.forEach(function (c) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = c;
      dd.textContent = cell(rows[i][index[c]]);
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    td.appendChild(dl);
    tr.appendChild(td);
    return tr;
  }

  function toggle(i) { state.open[i] = !state.open[i]; draw(); }

  var verdicts = {};
  rows.forEach(function (r) { verdicts[cell(r[index.verdict])] = true; });
  var select = document.getElementById("verdict");
  Object.keys(verdicts).sort().forEach(function (v) {
    var o = document.createElement("option");
    o.value = v;
    o.textContent = v;
    select.appendChild(o);
  });
  var timer = null;
  document.getElementById("filter").addEventListener("input", function (e) {
    clearTimeout(timer);
    var value = e.target.value;
    timer = setTimeout(function () { state.filter = value; recompute(); draw(); }, 150);
  });
  select.addEventListener("change", function (e) { state.verdict = e.target.value; recompute(); draw(); });
  document.getElementById("all-columns").addEventListener("change", function (e) { state.all = e.target.checked; draw(); });
  document.getElementById("prev").addEventListener("click", function () {
    if (state.page > 0) { state.page--; draw(); }
  });
  document.getElementById("next").addEventListener("click", function () {
    if ((state.page + 1) * PAGE < view.length) { state.page++; draw(); }
  });
  draw();
  document.body.dataset.ready = "1";
})();
