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

  /* Postings of one token: {unit: term frequency}, from the units' own text and from
     their paths (indexed once per path). */
  function decodeInto(list, into, map) {
    if (!list) return;
    var n = 0;
    for (var i = 0; i < list.length; i++) {
      n += Math.floor(list[i] / 8);
      var tf = list[i] % 8;
      if (map) map[n].forEach(function (u) { into[u] = (into[u] || 0) + tf; });
      else into[n] = (into[n] || 0) + tf;
    }
  }
  function postings(index, key, into) {
    decodeInto(index.terms[key], into, null);
    decodeInto(index.path_terms[key], into, index.pathUnits);
  }
  function allKeys(index) {
    var seen = {};
    Object.keys(index.terms).concat(Object.keys(index.path_terms)).forEach(function (k) { seen[k] = true; });
    return Object.keys(seen);
  }

  /* The terms file of a token: keep in step with shard_of in search.py. */
  function shardOf(token, shards) {
    var cps = Array.from(token);
    var first = cps[0].codePointAt(0);
    if (cps.length < 2 || isCjk(cps[0])) return first % shards;
    return (first * 31 + cps[1].codePointAt(0)) % shards;
  }

  /* The terms files a query needs (see shardOf), merged in. */
  function loadShards(index, query) {
    index.terms = index.terms || {};
    index.path_terms = index.path_terms || {};
    index.loaded = index.loaded || {};
    var need = {};
    tokenize(query).forEach(function (tok) { need[shardOf(tok.t, index.shards)] = true; });
    return Promise.all(Object.keys(need).filter(function (k) { return !index.loaded[k]; }).map(function (k) {
      return fetch(root + "search/terms-" + k + ".json").then(function (r) { return r.json(); }).then(function (part) {
        Object.assign(index.terms, part.terms);
        Object.assign(index.path_terms, part.path_terms);
        index.loaded[k] = true;
      });
    })).then(function () { return index; });
  }

  /* BM25 per unit (a report or one of its files); a report's score sums, per query token,
     its best unit; every token must occur somewhere in the report. */
  var K1 = 1.2, B = 0.75;
  function search(index, query, lang) {
    var tokens = tokenize(query);
    if (!tokens.length) return [];
    var units = index.units, total = units.length;
    if (!index.avg) {
      var sum = 0;
      index.pathUnits = index.paths.map(function () { return []; });
      units.forEach(function (u, n) {
        sum += u[3];
        if (u[1] >= 0) index.pathUnits[u[1]].push(n);
      });
      index.avg = sum / Math.max(1, total) || 1;
    }
    var keys = null;
    var reports = null;
    tokens.forEach(function (tok, i) {
      var tf = {};
      postings(index, tok.t, tf);
      var last = i === tokens.length - 1;
      if (last && tok.latin && tok.t.length >= 2) {
        keys = keys || allKeys(index);
        keys.forEach(function (k) {
          if (k.length > tok.t.length && k.lastIndexOf(tok.t, 0) === 0) postings(index, k, tf);
        });
      } else if (!tok.latin && tok.t.length === 1) {
        /* A lone CJK character: every bigram that starts with it (they share its file). */
        keys = keys || allKeys(index);
        keys.forEach(function (k) {
          if (k.length === 2 && k.charAt(0) === tok.t) postings(index, k, tf);
        });
      }
      var hit = Object.keys(tf);
      var idf = Math.log(1 + (total - hit.length + 0.5) / (hit.length + 0.5));
      var best = {};
      hit.forEach(function (u) {
        var unit = units[u], f = tf[u];
        var score = idf * f * (K1 + 1) / (f + K1 * (1 - B + B * unit[3] / index.avg));
        var r = unit[0], prev = best[r];
        if (!prev || score > prev.score) best[r] = { score: score, unit: +u };
      });
      if (reports === null) {
        reports = {};
        Object.keys(best).forEach(function (r) {
          reports[r] = { score: best[r].score, files: {} };
          if (units[best[r].unit][1] >= 0) reports[r].files[best[r].unit] = best[r].score;
        });
      } else {
        Object.keys(reports).forEach(function (r) {
          if (!best[r]) { delete reports[r]; return; }
          reports[r].score += best[r].score;
          if (units[best[r].unit][1] >= 0) {
            var files = reports[r].files;
            files[best[r].unit] = (files[best[r].unit] || 0) + best[r].score;
          }
        });
      }
    });
    return Object.keys(reports || {}).map(Number)
      .filter(function (r) { return !lang || index.docs[r].l === lang; })
      .map(function (r) {
        var files = reports[r].files, file = null;
        Object.keys(files).forEach(function (u) { if (file === null || files[u] > files[file]) file = u; });
        var unit = file === null ? null : units[file];
        var hit = unit && { path: index.paths[unit[1]][0], anchor: index.paths[unit[1]][1], title: unit[2] };
        return { doc: index.docs[r], score: reports[r].score, file: hit, n: r };
      })
      .sort(function (a, b) { return b.score - a.score || a.n - b.n; });
  }

  /* Text with every query word wrapped in <mark> (built with nodes, never HTML). */
  function marked(text, words) {
    var frag = document.createDocumentFragment();
    var low = text.toLowerCase(), pos = 0;
    while (pos < text.length) {
      var at = -1, len = 0;
      words.forEach(function (w) {
        var i = low.indexOf(w, pos);
        if (i !== -1 && (at === -1 || i < at)) { at = i; len = w.length; }
      });
      if (at === -1) break;
      frag.appendChild(document.createTextNode(text.slice(pos, at)));
      var m = document.createElement("mark");
      m.textContent = text.slice(at, at + len);
      frag.appendChild(m);
      pos = at + len;
    }
    frag.appendChild(document.createTextNode(text.slice(pos)));
    return frag;
  }

  function queryWords(q) {
    return q.toLowerCase().split(/[\s\u3000]+/).filter(function (w) { return w.length > 0; });
  }

  /* A count in the page's language: the build writes each CLDR plural form of the message
     (data-results-one, data-results-other...); the page's plural rules pick one. */
  function plural(el, name, n) {
    var form = "other";
    try { form = new Intl.PluralRules(doc.lang || "en").select(n); } catch (e) { /* old browser */ }
    var text = el.getAttribute(name + "-" + form) || el.getAttribute(name + "-other") || "{count}";
    return text.replace("{count}", String(n));
  }

  var PAGE = 20;
  function showResults(results, status, list, more, q) {
    list.textContent = "";
    status.textContent = results.length ? plural(status, "data-results", results.length) : status.getAttribute("data-none");
    var words = queryWords(q);
    var shown = 0;
    function page() {
      results.slice(shown, shown + PAGE).forEach(function (res) {
        var doc = res.doc, file = res.file;
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.className = "r-link";
        a.href = root + doc.u + "?hl=" + encodeURIComponent(q) + (file && file.anchor ? "#" + file.anchor : "");
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
        if (file) {
          var p = document.createElement("p");
          p.className = "hit-file";
          p.setAttribute("lang", doc.l.replace("_", "-"));
          var code = document.createElement("code");
          code.appendChild(marked(file.path, words));
          p.appendChild(code);
          if (file.title) {
            p.appendChild(document.createTextNode(" — "));
            p.appendChild(marked(file.title, words));
          }
          li.appendChild(p);
        }
        if (doc.s) {
          var ex = document.createElement("p");
          ex.className = "excerpt";
          ex.setAttribute("lang", doc.l.replace("_", "-"));
          ex.appendChild(marked(doc.s, words));
          li.appendChild(ex);
        }
        list.appendChild(li);
      });
      shown = Math.min(results.length, shown + PAGE);
      more.hidden = shown >= results.length;
    }
    more.onclick = page;
    page();
  }

  /* A report opened from search: mark the query in the section it landed on. */
  function highlightLanding() {
    var q = new URLSearchParams(location.search).get("hl");
    if (!q) return;
    var scope = (location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1))))
      || document.querySelector("article.report");
    if (!scope) return;
    var words = queryWords(q);
    var walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    var nodes = [];
    for (var n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.parentNode.closest("pre, details.diff")) nodes.push(n);
    }
    var first = null;
    nodes.forEach(function (node) {
      var low = node.data.toLowerCase();
      if (!words.some(function (w) { return low.indexOf(w) !== -1; })) return;
      var frag = marked(node.data, words);
      first = first || frag.querySelector("mark");
      node.parentNode.replaceChild(frag, node);
    });
    if (first) scope.setAttribute("data-highlighted", "1");
  }

  function initSearch() {
    var form = document.getElementById("search-form");
    if (!form) return;
    var input = document.getElementById("search-q");
    var lang = document.getElementById("search-lang");
    var status = document.getElementById("search-status");
    var list = document.getElementById("search-results");
    var more = document.getElementById("search-more");
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
      if (!q) { list.textContent = ""; status.textContent = ""; more.hidden = true; return; }
      load().then(function (index) { return loadShards(index, q); }).then(function (index) {
        showResults(search(index, q, lang.value), status, list, more, q);
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
    highlightLanding();
    each("table.sortable", sortable);
    initSearch();
  });

  window.diffinsightSearch = { tokenize: tokenize, search: search, loadShards: loadShards };
})();
