/* diffinsight report site: progressive enhancement only (diff tools, sorting, search).
   Every page works without this file. Report text is only ever set with textContent. */
(function () {
  "use strict";
  var doc = document.documentElement;
  doc.classList.remove("no-js");
  var root = doc.getAttribute("data-root") || "";

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  /* Dates are written at build time in the page's language; search results (built here)
     use the same language, never the browser's. */
  function pageDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!m) return iso;
    try {
      return new Intl.DateTimeFormat(doc.lang || "en", { dateStyle: "long", timeZone: "UTC" })
        .format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
    } catch (e) {
      return iso;
    }
  }

  /* Diff tools: expand or collapse every diff, and wrap long lines (remembered). */
  function diffTools(box) {
    var wrapButton = box.querySelector("[data-diffs=wrap]");
    var phone = window.matchMedia("(max-width: 40rem)");
    function setWrap(on) {
      doc.classList.toggle("diff-wrap", on);
      doc.classList.toggle("diff-nowrap", !on);
      wrapButton.setAttribute("aria-pressed", on ? "true" : "false");
    }
    var saved = null;
    try { saved = localStorage.getItem("diffinsight-wrap"); } catch (e) { /* storage off */ }
    setWrap(saved === null ? phone.matches : saved === "1");
    wrapButton.addEventListener("click", function () {
      var on = wrapButton.getAttribute("aria-pressed") !== "true";
      setWrap(on);
      try { localStorage.setItem("diffinsight-wrap", on ? "1" : "0"); } catch (e) { /* storage off */ }
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-diffs=open], [data-diffs=close]"), function (b) {
      b.addEventListener("click", function () {
        var open = b.getAttribute("data-diffs") === "open";
        each("details.diff", function (d) { d.open = open; });
      });
    });
  }

  /* Sortable tables: a button in each header marked data-sort. */
  function sortable(table) {
    var heads = table.querySelectorAll("th");
    Array.prototype.forEach.call(heads, function (th, col) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      var label = th.getAttribute("data-sort-label");
      if (label) button.setAttribute("aria-label", label);
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        if (!th.getAttribute("aria-sort") && kind === "num") dir = "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var sign = dir === "ascending" ? 1 : -1;
        rows.sort(function (a, b) {
          var x = a.cells[col].getAttribute("data-value") || a.cells[col].textContent;
          var y = b.cells[col].getAttribute("data-value") || b.cells[col].textContent;
          if (kind === "num") return sign * ((+x) - (+y));
          return sign * x.localeCompare(y);
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  /* Search tokens: keep in step with diffinsight/site/search.py. */
  var CJK = [[0x3040, 0x30ff], [0x3400, 0x4dbf], [0x4e00, 0x9fff], [0xf900, 0xfaff], [0xac00, 0xd7af], [0x31f0, 0x31ff]];
  function isCjk(ch) {
    var c = ch.codePointAt(0);
    for (var i = 0; i < CJK.length; i++) if (c >= CJK[i][0] && c <= CJK[i][1]) return true;
    return false;
  }
  var ALNUM = /[\p{L}\p{N}]/u;
  function tokenize(text) {
    var s = text.normalize("NFKC").toLowerCase();
    var out = [], word = "", run = [];
    function flushWord() { if (word) { out.push({ t: word, latin: true }); word = ""; } }
    function flushRun() {
      if (run.length === 1) out.push({ t: run[0], latin: false });
      for (var i = 0; i + 1 < run.length; i++) out.push({ t: run[i] + run[i + 1], latin: false });
      run = [];
    }
    for (var ch of s) {
      if (isCjk(ch)) { flushWord(); run.push(ch); }
      else if (ALNUM.test(ch)) { flushRun(); word += ch; }
      else { flushWord(); flushRun(); }
    }
    flushWord(); flushRun();
    return out;
  }

  function decode(deltas) {
    var out = [], n = 0;
    for (var i = 0; i < deltas.length; i++) { n += deltas[i]; out.push(n); }
    return out;
  }

  function search(index, query, lang) {
    var tokens = tokenize(query);
    if (!tokens.length) return [];
    var keys = null;
    var result = null;
    tokens.forEach(function (tok, i) {
      var docs = {};
      var exact = index.terms[tok.t];
      if (exact) decode(exact).forEach(function (d) { docs[d] = true; });
      var last = i === tokens.length - 1;
      if (last && tok.latin && tok.t.length >= 2) {
        keys = keys || Object.keys(index.terms);
        keys.forEach(function (k) {
          if (k.length > tok.t.length && k.lastIndexOf(tok.t, 0) === 0) {
            decode(index.terms[k]).forEach(function (d) { docs[d] = true; });
          }
        });
      } else if (!tok.latin && tok.t.length === 1) {
        /* A lone CJK character: every bigram that holds it. */
        keys = keys || Object.keys(index.terms);
        keys.forEach(function (k) {
          if (k.length === 2 && k.indexOf(tok.t) !== -1) {
            decode(index.terms[k]).forEach(function (d) { docs[d] = true; });
          }
        });
      }
      if (result === null) result = docs;
      else {
        var both = {};
        Object.keys(result).forEach(function (d) { if (docs[d]) both[d] = true; });
        result = both;
      }
    });
    return Object.keys(result || {}).map(Number).sort(function (a, b) { return a - b; })
      .map(function (d) { return index.docs[d]; })
      .filter(function (doc) { return !lang || doc.l === lang; });
  }

  function showResults(docs, status, list) {
    list.textContent = "";
    status.textContent = docs.length === 1
      ? status.getAttribute("data-results-one")
      : docs.length
        ? status.getAttribute("data-results").replace("{n}", String(docs.length))
        : status.getAttribute("data-none");
    docs.slice(0, 200).forEach(function (doc) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "r-link";
      a.href = root + doc.u;
      var time = document.createElement("time");
      time.setAttribute("datetime", doc.d);
      time.textContent = pageDate(doc.d);
      a.appendChild(time);
      a.appendChild(document.createTextNode(" · " + doc.c));
      li.appendChild(a);
      var badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = doc.n;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(badge);
      if (doc.s) {
        var p = document.createElement("p");
        p.className = "excerpt";
        p.textContent = doc.s;
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  function initSearch() {
    var form = document.getElementById("search-form");
    if (!form) return;
    var input = document.getElementById("search-q");
    var lang = document.getElementById("search-lang");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var params = new URLSearchParams(location.search);
    input.value = params.get("q") || "";
    lang.value = params.get("lang") || "";
    var indexPromise = null;
    function load() {
      indexPromise = indexPromise || fetch(root + "search-index.json").then(function (r) { return r.json(); });
      return indexPromise;
    }
    function run() {
      var q = input.value.trim();
      if (!q) { list.textContent = ""; status.textContent = ""; return; }
      load().then(function (index) {
        showResults(search(index, q, lang.value), status, list);
        document.body.setAttribute("data-search-ready", "1");
      });
    }
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var url = new URL(location.href);
      url.searchParams.set("q", input.value.trim());
      if (lang.value) url.searchParams.set("lang", lang.value); else url.searchParams.delete("lang");
      history.replaceState(null, "", url.toString());
      run();
    });
    lang.addEventListener("change", run);
    run();
  }

  document.addEventListener("DOMContentLoaded", function () {
    each("form.top-search", function (f) { f.hidden = false; });
    each(".diff-tools", diffTools);
    each("table.sortable", sortable);
    initSearch();
  });

  window.diffinsightSearch = { tokenize: tokenize, search: search };
})();
