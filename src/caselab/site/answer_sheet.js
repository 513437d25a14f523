/* caselab answer page: fill in a form, download the very sheet `caselab check` reads, open it again.
 * Inlined into answers/<module>/ by src/caselab/site/answer_page.py; no outside request, nothing is run:
 * an opened sheet is read as text (literals and function definitions only). */
(function () {
  "use strict";
  var box = document.currentScript.closest(".cl-answers");
  var form = box.querySelector(".cl-form");
  var status = box.querySelector(".cl-status");
  var template = JSON.parse(box.querySelector(".cl-sheet").textContent);
  var spec = JSON.parse(box.querySelector(".cl-spec").textContent);
  var module = spec.module;
  var storeKey = "caselab-answers:" + spec.edition + ":" + module;
  var types = {};
  spec.questions.forEach(function (q) { types[q.id] = q.type; });

  function fieldset(id) { return form.querySelector('fieldset[data-id="' + id + '"]'); }
  function controls(id) { return Array.prototype.slice.call(form.querySelectorAll('[name="' + id + '"]')); }
  function say(text) { status.textContent = text; }

  function showError(id, text) {
    var p = box.querySelector("#" + id + "-error");
    if (p) p.textContent = text ? id + ": " + text : "";
    controls(id).forEach(function (c) {
      if (text) c.setAttribute("aria-invalid", "true"); else c.removeAttribute("aria-invalid");
    });
  }

  // --- Python syntax out ---------------------------------------------------------------------
  function pyStr(s) {
    return '"' + s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\r\n?/g, "\n")
      .replace(/\n/g, "\\n").replace(/\t/g, "\\t")
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, function (c) {
        return "\\x" + ("0" + c.charCodeAt(0).toString(16)).slice(-2);
      }) + '"';
  }
  function pyBlock(s) {
    var body = s.replace(/\r\n?/g, "\n").replace(/^\n+|\s+$/g, "").replace(/\\/g, "\\\\").replace(/"/g, '\\"');
    return '"""\n' + body + '\n"""';
  }
  function pyKey(k) { return /^[0-9]+$/.test(k) ? String(parseInt(k, 10)) : pyStr(k); }

  function numberProblem(text) {
    if (/%\s*$/.test(text)) return "leave out the % sign: type the number only";
    if (/,/.test(text)) return "use a dot for decimals and no thousands separator: type 1234.5, not 1,234.5 or 1234,5";
    return "type a number only, e.g. 12.5 (no words, units or spaces inside)";
  }
  var NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

  /* One question's answer: {literal: "..."} (Python text), {none: true}, or {error: "..."}. */
  function answerOf(id) {
    var type = types[id], els = controls(id);
    if (type === "choice") {
      var on = els.filter(function (e) { return e.checked; })[0];
      return on ? {literal: pyStr(on.value)} : {none: true};
    }
    if (type === "multi") {
      var picked = els.filter(function (e) { return e.checked; }).map(function (e) { return pyStr(e.value); });
      return picked.length ? {literal: "[" + picked.join(", ") + "]"} : {none: true};
    }
    if (type === "numeric") {
      var t = els[0].value.trim();
      if (!t) return {none: true};
      if (!NUMBER.test(t)) return {error: numberProblem(t)};
      return {literal: t.replace(/^\+/, "")};
    }
    if (type === "text") {
      return els[0].value.trim() ? {literal: pyStr(els[0].value.trim())} : {none: true};
    }
    if (type === "ordering") {
      var order = els.map(function (e) { return e.value; });
      if (order.every(function (v) { return !v; })) return {none: true};
      var seen = {};
      for (var i = 0; i < order.length; i++) {
        if (!order[i]) return {error: "choose an item for position " + (i + 1) + " (every letter once)"};
        if (seen[order[i]]) return {error: "item " + order[i] + " is chosen twice; use every letter once"};
        seen[order[i]] = true;
      }
      return {literal: "[" + order.map(pyStr).join(", ") + "]"};
    }
    if (type === "matching") {
      var pairs = els.filter(function (e) { return e.value; })
        .map(function (e) { return pyKey(e.getAttribute("data-left")) + ": " + pyStr(e.value); });
      return pairs.length ? {literal: "{" + pairs.join(", ") + "}"} : {none: true};
    }
    if (type === "code") {
      var code = els[0].value.replace(/\r\n?/g, "\n").replace(/\s+$/, "");
      if (!code.trim() || code.trim() === els[0].getAttribute("data-template").trim()) return {none: true};
      if (!new RegExp("^def " + id + "\\s*\\(").test(code)) {
        return {error: "keep the first line as it was: def " + id + "(...):"};
      }
      return {code: code.replace(/\t/g, "    ")};
    }
    if (type === "memo") {
      var memo = els[0].value;
      if (!memo.trim() || memo.trim() === els[0].getAttribute("data-template").trim()) return {none: true};
      return {literal: pyBlock(memo)};
    }
    return {none: true};
  }

  function buildSheet() {
    var lines = template.split("\n"), problems = [];
    spec.questions.forEach(function (q) {
      var a = answerOf(q.id);
      showError(q.id, a.error || "");
      if (a.error) { problems.push(q.id); return; }
      if (a.none) return;
      if (q.type === "code") {
        var at = lines.findIndex(function (l) { return l.indexOf("def " + q.id + "(") === 0; });
        if (at >= 0 && /^\s+raise NotImplementedError\s*$/.test(lines[at + 1] || "")) {
          lines.splice.apply(lines, [at, 2].concat(a.code.split("\n")));
        }
        return;
      }
      var i = lines.indexOf(q.id + " = None");
      if (i >= 0) lines[i] = q.id + " = " + a.literal;
    });
    return {text: lines.join("\n"), problems: problems};
  }

  // --- saving as you type ----------------------------------------------------------------------
  function snapshot() {
    var data = {};
    spec.questions.forEach(function (q) {
      var els = controls(q.id);
      if (q.type === "choice" || q.type === "multi") {
        data[q.id] = els.filter(function (e) { return e.checked; }).map(function (e) { return e.value; });
      } else if (q.type === "ordering" || q.type === "matching") {
        data[q.id] = els.map(function (e) { return e.value; });
      } else {
        data[q.id] = els[0].value;
      }
    });
    return data;
  }
  function restore(data) {
    spec.questions.forEach(function (q) {
      if (!(q.id in data)) return;
      var v = data[q.id], els = controls(q.id);
      if (q.type === "choice" || q.type === "multi") {
        els.forEach(function (e) { e.checked = v.indexOf(e.value) >= 0; });
      } else if (q.type === "ordering" || q.type === "matching") {
        els.forEach(function (e, i) { e.value = v[i] || ""; });
      } else {
        els[0].value = v;
      }
    });
  }
  function save() {
    try { localStorage.setItem(storeKey, JSON.stringify(snapshot())); } catch (e) { /* private mode: fine */ }
  }

  // --- reading a sheet (text only; nothing runs) -------------------------------------------------
  function Parser(text, pos) { this.s = text; this.i = pos; }
  Parser.prototype.fail = function (why) { var e = new Error(why); e.at = this.i; throw e; };
  Parser.prototype.ws = function (newlines) {
    var re = newlines ? /[ \t\r\n]/ : /[ \t]/;
    for (;;) {
      while (this.i < this.s.length && re.test(this.s[this.i])) this.i++;
      if (newlines && this.s[this.i] === "#") { while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++; continue; }
      if (this.s[this.i] === "\\" && this.s[this.i + 1] === "\n") { this.i += 2; continue; }
      return;
    }
  };
  Parser.prototype.value = function (depth) {
    this.ws(depth > 0);
    var s = this.s, c = s[this.i];
    if (c === "[" || c === "(") {
      var close = c === "[" ? "]" : ")", out = [];
      this.i++;
      for (;;) {
        this.ws(true);
        if (s[this.i] === close) { this.i++; return out; }
        out.push(this.value(depth + 1));
        this.ws(true);
        if (s[this.i] === ",") { this.i++; continue; }
        if (s[this.i] === close) { this.i++; return out; }
        this.fail("a list needs commas between its items and a closing " + close);
      }
    }
    if (c === "{") {
      var obj = {}, n = 0;
      this.i++;
      for (;;) {
        this.ws(true);
        if (s[this.i] === "}") { this.i++; return {dict: obj, size: n}; }
        var k = this.value(depth + 1);
        this.ws(true);
        if (s[this.i] !== ":") this.fail("a dictionary pairs each number with a letter: {1: \"B\", 2: \"A\"}");
        this.i++;
        obj[String(k && k.raw !== undefined ? k.raw : k)] = this.value(depth + 1);
        n++;
        this.ws(true);
        if (s[this.i] === ",") { this.i++; continue; }
        if (s[this.i] === "}") { this.i++; return {dict: obj, size: n}; }
        this.fail("a dictionary needs commas between its pairs and a closing }");
      }
    }
    var str = this.string();
    if (str !== null) {
      for (;;) {  // "a" "b" is one string in Python
        var save = this.i;
        this.ws(depth > 0);
        var more = this.string();
        if (more === null) { this.i = save; return str; }
        str += more;
      }
    }
    var m = /^[+-]?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?/.exec(s.slice(this.i, this.i + 64));
    if (m && m[0]) { this.i += m[0].length; return {raw: m[0].replace(/_/g, "")}; }
    var word = /^[A-Za-z_]\w*/.exec(s.slice(this.i, this.i + 64));
    if (word) {
      if (word[0] === "None") { this.i += 4; return null; }
      if (word[0] === "True" || word[0] === "False") this.fail("True and False are not answers here");
      this.fail("a bare word (" + word[0] + ") is not an answer: put text or a letter in quotes");
    }
    this.fail("this is not a plain answer (a letter or text in quotes, a number, a list or a dictionary)");
  };
  Parser.prototype.string = function () {
    var s = this.s, m = /^([rRuU]?)('''|"""|'|")/.exec(s.slice(this.i, this.i + 4));
    if (!m) return null;
    var raw = m[1].toLowerCase() === "r", q = m[2], out = "";
    this.i += m[0].length;
    for (;;) {
      if (this.i >= s.length) this.fail("a closing quote is missing");
      if (s.substr(this.i, q.length) === q) { this.i += q.length; return out; }
      var c = s[this.i];
      if (c === "\n" && q.length === 1) this.fail("a closing quote is missing");
      if (c === "\\") {
        var d = s[this.i + 1];
        if (raw) { out += c + (d || ""); this.i += 2; continue; }
        var simple = {n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0", a: "\x07", b: "\b", f: "\f", v: "\v"};
        if (d === "\n") { this.i += 2; continue; }
        if (d in simple) { out += simple[d]; this.i += 2; continue; }
        var hex = {x: 2, u: 4, U: 8}[d];
        if (hex) {
          var h = s.substr(this.i + 2, hex);
          if (!new RegExp("^[0-9a-fA-F]{" + hex + "}$").test(h)) this.fail("a \\" + d + " escape needs " + hex + " hex digits");
          out += String.fromCodePoint(parseInt(h, 16));
          this.i += 2 + hex;
          continue;
        }
        out += c + (d || "");
        this.i += 2;
        continue;
      }
      out += c;
      this.i++;
    }
  };

  function lineOf(text, at) { return text.slice(0, at).split("\n").length; }

  function readSheet(text) {
    text = text.replace(/^\ufeff/, "").replace(/\r\n?/g, "\n");
    var head = /^"""([A-Za-z0-9_-]+):/.exec(text);
    if (!head) {
      throw new Error("this file is not a caselab answer sheet (its first line should start with \"\"\"" + module + ":)");
    }
    if (head[1] !== module) {
      throw new Error("this is the answer sheet for " + head[1] + ", not " + module +
                      "; open it on the " + head[1] + " answer page");
    }
    var found = {}, problems = [], lines = text.split("\n"), offsets = [], at = 0;
    lines.forEach(function (l) { offsets.push(at); at += l.length + 1; });
    for (var n = 0; n < lines.length; n++) {
      var line = lines[n];
      var def = /^def (q\d+)\s*\(/.exec(line);
      if (def && types[def[1]] === "code") {
        var end = n + 1;
        while (end < lines.length && (lines[end] === "" || /^[ \t]/.test(lines[end]))) end++;
        var body = lines.slice(n, end).join("\n").replace(/\s+$/, "");
        if (!/^def [^\n]*\n\s+raise NotImplementedError$/.test(body)) found[def[1]] = {code: body};
        n = end - 1;
        continue;
      }
      var assign = /^(q\d+)[ \t]*=[ \t]*/.exec(line);
      if (!assign || !(assign[1] in types)) continue;
      var id = assign[1], p = new Parser(text, offsets[n] + assign[0].length);
      try {
        var value = p.value(0);
        p.ws(false);
        if (p.s[p.i] === "#") { while (p.i < p.s.length && p.s[p.i] !== "\n") p.i++; }
        if (p.i < p.s.length && p.s[p.i] !== "\n") p.fail("there is more on the line after the answer");
        found[id] = {value: value, line: n + 1};
        n = lineOf(text, p.i) - 1;
      } catch (e) {
        problems.push("line " + (n + 1) + " (" + id + "): " + e.message);
      }
    }
    return {found: found, problems: problems};
  }

  function asText(v) { return v && v.raw !== undefined ? v.raw : v; }

  function fill(id, entry) {
    var type = types[id], els = controls(id);
    if (type === "code") {
      if (!entry.code) return "a function is expected";
      els[0].value = entry.code;
      return "";
    }
    var v = entry.value;
    if (v === null) return "";
    if (type === "choice") {
      if (typeof v !== "string") return "one letter in quotes is expected";
      var hit = els.filter(function (e) { return e.value.toUpperCase() === v.trim().toUpperCase(); })[0];
      if (!hit) return '"' + v + '" is not one of the letters';
      hit.checked = true;
      return "";
    }
    if (type === "multi") {
      var letters = typeof v === "string" ? v.replace(/[\s,]/g, "").split("") : Array.isArray(v) ? v : null;
      if (!letters || letters.some(function (x) { return typeof x !== "string"; })) return "a list of letters is expected";
      var up = letters.map(function (x) { return x.trim().toUpperCase(); });
      els.forEach(function (e) { e.checked = up.indexOf(e.value.toUpperCase()) >= 0; });
      return "";
    }
    if (type === "numeric") {
      if (!(v && v.raw !== undefined)) return "a number is expected";
      els[0].value = v.raw;
      return "";
    }
    if (type === "text" || type === "memo") {
      if (typeof v !== "string") return "text in quotes is expected";
      els[0].value = v.replace(/^\n/, "");
      return "";
    }
    if (type === "ordering") {
      if (!Array.isArray(v)) return "a list of letters is expected";
      els.forEach(function (e, i) { e.value = typeof v[i] === "string" ? v[i].trim().toUpperCase() : ""; });
      return "";
    }
    if (type === "matching") {
      if (!v || !v.dict) return "a dictionary such as {1: \"B\", 2: \"A\"} is expected";
      els.forEach(function (e) {
        var got = asText(v.dict[e.getAttribute("data-left")]);
        e.value = typeof got === "string" ? got.trim().toUpperCase() : "";
      });
      return "";
    }
    return "";
  }

  function clearForm() {
    form.reset();
    form.querySelectorAll("textarea[data-template]").forEach(function (t) { t.value = t.getAttribute("data-template"); });
    spec.questions.forEach(function (q) { showError(q.id, ""); });
  }

  // --- wiring ----------------------------------------------------------------------------------
  box.querySelector('[data-action="download"]').addEventListener("click", function () {
    var built = buildSheet();
    if (built.problems.length) {
      say("Not downloaded: fix the marked answer" + (built.problems.length > 1 ? "s" : "") + " first (" +
          built.problems.join(", ") + ").");
      var first = controls(built.problems[0])[0];
      if (first) first.focus();
      return;
    }
    var blob = new Blob([built.text], {type: "text/x-python"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = module + ".py";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    say("Downloaded " + module + ".py. Put it in your exercises/ folder and run: caselab check " + module);
  });

  box.querySelector('[data-action="open"]').addEventListener("change", function (ev) {
    var file = ev.target.files && ev.target.files[0];
    if (!file) return;
    if (file.size > 1024 * 1024) { say("Not opened: " + file.name + " is larger than an answer sheet can be."); return; }
    file.text().then(function (text) {
      var read;
      try { read = readSheet(text); } catch (e) { say("Not opened: " + e.message + "."); return; }
      clearForm();
      var problems = read.problems.slice();
      Object.keys(read.found).forEach(function (id) {
        var why = fill(id, read.found[id]);
        if (why) problems.push((read.found[id].line ? "line " + read.found[id].line + " (" + id + "): " : id + ": ") + why);
      });
      save();
      say("Opened " + file.name + (problems.length ? ". Could not read, left blank: " + problems.join("; ") +
          ". Everything else was loaded." : ": every answer was loaded."));
      ev.target.value = "";
    });
  });

  box.querySelector('[data-action="reset"]').addEventListener("click", function () {
    if (!window.confirm("Start again? This clears every answer on this page (a sheet you downloaded is kept).")) return;
    clearForm();
    try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
    say("Cleared. Every answer on this page is blank again.");
  });

  form.addEventListener("input", save);
  form.addEventListener("change", function (ev) {
    save();
    var fs = ev.target.closest("fieldset");
    if (fs && types[fs.getAttribute("data-id")] === "numeric") {
      var a = answerOf(fs.getAttribute("data-id"));
      showError(fs.getAttribute("data-id"), a.error || "");
    }
  });
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });

  try {
    var saved = localStorage.getItem(storeKey);
    if (saved) { restore(JSON.parse(saved)); say("Your saved answers were restored."); }
  } catch (e) { /* nothing saved or storage unavailable */ }
})();
