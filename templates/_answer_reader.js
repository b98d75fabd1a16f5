// How a typed answer is read: the one answer grammar of quizgen grade (quizgen/grading/parse.py and
// expression.py), with the kind's words and units given as the table quizgen/grading/kinds.py writes,
// so that a practice page accepts what the grader accepts. tests/test_answer_reader.py runs both on
// the same inputs.
var quizgenAnswers = (function () {
  "use strict";
  var MAX_LENGTH = 200, MAX_DEPTH = 20;
  var MINUS = /[\u2212\u2012\u2013\u2014\ufe63\uff0d]/g;
  var TIMES = "*\u00b7\u00d7xX\u22c5\u2219\u2022";
  var PLAIN_INTEGER = /^[ \t\r\n]*[+-]?[0-9]{1,15}[ \t\r\n]*$/;
  var GROUPED = /(?<![\d.,])[1-9]\d{0,2}(?:[ \u00a0\u202f\u2009'\u2019_]\d{3})+(?!\d)/g;
  var NUMBER_TEXT = "(?:[1-9]\\d{0,2}(?:,\\d{3})+(?!\\d)|\\d+)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?|\\.\\d+(?:[eE][+-]?\\d+)?";
  var NUMBER = new RegExp("^(?:[+-]?(?:" + NUMBER_TEXT + "))$");
  var DECIMAL_COMMA = /^[+-]?\d+,\d{1,2}$/;
  var TAIL_WORD = /^([\s\S]*?)\s*([A-Za-z]+|%)$/;
  var MAX_EXPONENT = 400;

  function isDecimalDigit(ch) { return /\p{Nd}/u.test(ch); }
  function digitValue(ch) {
    var cp = ch.codePointAt(0), start = cp;
    while (start > 0 && isDecimalDigit(String.fromCodePoint(start - 1))) { start -= 1; }
    return (cp - start) % 10;
  }
  function normalize(text) {
    if (/^[\x00-\x7f]*$/.test(text)) { return text; }
    var powered = text.replace(/[\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u207b]+/g, function (m) {
      return "^" + m.replace(/[\u2070\u00b9\u00b2\u00b3\u2074-\u2079\u207b]/g, function (c) {
        return "0123456789-".charAt("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079\u207b".indexOf(c));
      });
    });
    var folded = powered.normalize("NFKC").replace(MINUS, "-");
    var out = "";
    for (var ch of folded) {
      out += (ch.codePointAt(0) > 127 && isDecimalDigit(ch)) ? String(digitValue(ch)) : ch;
    }
    return out;
  }

  function tokens(text) {
    var found = [], pos = 0, re = new RegExp("\\s*(?:(" + NUMBER_TEXT + ")|(\\*\\*)|([\\s\\S]))", "uy");
    while (pos < text.length) {
      re.lastIndex = pos;
      var m = re.exec(text);
      if (!m || re.lastIndex === pos) { break; }
      if (m[1] !== undefined) { found.push(m[1]); }
      else if (m[2] !== undefined) { found.push("^"); }
      else if (m[3] !== undefined && !/\s/.test(m[3])) { found.push(TIMES.indexOf(m[3]) >= 0 ? "*" : m[3]); }
      pos = re.lastIndex;
    }
    return found;
  }

  function evaluate(text, limit) {
    if (text.length > MAX_LENGTH) { throw new Error("too long"); }
    var toks = tokens(text), pos = 0, depth = 0;
    if (!toks.length) { throw new Error("empty"); }
    function peek() { return pos < toks.length ? toks[pos] : null; }
    function take() { return toks[pos++]; }
    function atom() {
      var t = peek();
      if (t === null) { throw new Error("ends too early"); }
      if (t === "(") {
        depth += 1;
        if (depth > MAX_DEPTH) { throw new Error("too deep"); }
        take();
        var v = sum();
        if (peek() !== ")") { throw new Error("not closed"); }
        take();
        depth -= 1;
        return v;
      }
      if ("0123456789".indexOf(t[0]) >= 0 || (t[0] === "." && t.length > 1)) {
        take();
        var n = Number(t.replace(/,/g, ""));
        if (!(Math.abs(n) <= limit)) { throw new Error("range"); }
        return n;
      }
      throw new Error("unexpected " + t);
    }
    function power() {
      var base = atom();
      if (peek() !== "^") { return base; }
      take();
      var exponent = unary();
      if (Math.abs(exponent) > MAX_EXPONENT) { throw new Error("range"); }
      var value = Math.pow(base, exponent);
      if (!(Math.abs(value) <= limit)) { throw new Error("range"); }
      return value;
    }
    function unary() {
      if (peek() === "-") { take(); return -unary(); }
      if (peek() === "+") { take(); return unary(); }
      return power();
    }
    function product() {
      var value = unary(), factors = [value];
      while (peek() === "*" || peek() === "/") {
        var op = take(), right = unary();
        if (op === "*") { value *= right; factors.push(right); }
        else {
          if (right === 0) { throw new Error("division by zero"); }
          value /= right; factors = [value];
        }
      }
      return value;
    }
    function sum() {
      var value = product();
      while (peek() === "+" || peek() === "-") {
        var op = take(), right = product();
        value = op === "+" ? value + right : value - right;
      }
      return value;
    }
    var value = product();
    if (peek() === "+" || peek() === "-") { pos = 0; value = sum(); }
    if (peek() !== null) { throw new Error("unexpected " + peek()); }
    if (!(Math.abs(value) <= limit)) { throw new Error("range"); }
    return value;
  }

  function has(table, key) { return Object.prototype.hasOwnProperty.call(table, key); }
  function fmt(v) { return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))); }
  function agrees(value, stated, text, suffix) {
    var parts = text.toLowerCase().split("e"), decimals = (parts[0].split(".")[1] || "").length;
    var step = Math.pow(10, Number(parts[1] || 0) - decimals) * suffix;
    return Math.abs(value - stated) <= Math.max(step / 2, 1e-9 * Math.max(1, Math.abs(stated)));
  }
  function unreadable(why) { return { value: null, why: why, mistake: null, relabelled: null, confused: null }; }

  // The answer typed as a value of the table's kind, in its unit: {value, why, mistake}.
  function read(raw, table) {
    if (PLAIN_INTEGER.test(raw)) { return { value: Number(raw.trim()), why: "", mistake: null, relabelled: null, confused: null }; }
    var text = normalize(raw).trim();
    if (!text) { return unreadable(""); }
    if (text.length > MAX_LENGTH) { return unreadable("it is too long"); }
    if (text.charAt(text.length - 1) === ".") { text = text.slice(0, -1).trim(); }
    text = text.replace(GROUPED, function (m) { return m.replace(/\D/g, ""); });
    var factor = table.factor, dimension = null, suffix = 1, confused = null;
    var tail = TAIL_WORD.exec(text);
    if (tail) {
      var word = tail[2];
      text = tail[1];
      if (has(table.words, word.toLowerCase())) {
        if (has(table.confusions || {}, word.toLowerCase())) { confused = table.confusions[word.toLowerCase()]; }
        factor = table.words[word.toLowerCase()][0];
        dimension = table.words[word.toLowerCase()][1];
        var before = TAIL_WORD.exec(text);
        if (before && has(table.suffixes, before[2])) { text = before[1]; suffix = table.suffixes[before[2]]; }
      } else if (has(table.suffixes, word)) {
        suffix = table.suffixes[word];
      } else if (!/[0-9]/.test(text)) {
        return unreadable("it is not a number or an expression of numbers");
      } else {
        return unreadable("'" + word + "' is not a unit of " + table.what);
      }
    }
    if (!text) { return unreadable("there is no number"); }
    var at = text.indexOf("=");
    if (at >= 0 && text.indexOf("=", at + 1) >= 0) { return unreadable("it has more than one '='"); }
    var left = at >= 0 ? text.slice(0, at) : text, right = at >= 0 ? text.slice(at + 1) : "";
    if (right && !NUMBER.test(right.trim())) { return unreadable("after '=' there must be one number"); }
    var final = right ? right.trim() : left.trim();
    if (suffix !== 1 && !NUMBER.test(final)) {
      return unreadable("a k, M or B suffix follows a number, not an expression");
    }
    var value;
    if (DECIMAL_COMMA.test(left.trim()) && !right) { value = Number(left.replace(",", ".")); }
    else {
      try { value = evaluate(left, table.limit); }
      catch (e) { return unreadable("it is not a number or an expression of numbers"); }
    }
    if (right) {
      var stated = Number(final.replace(/,/g, "")) * suffix;
      if (!agrees(value, stated, final, suffix)) { return unreadable("the expression gives " + fmt(value) + ", not " + final); }
    } else {
      value *= suffix;
    }
    var asTyped = value;
    value = value * factor / table.factor;
    if (!(Math.abs(value) <= table.limit)) { return unreadable("the number is out of range"); }
    var mistake = dimension !== null && table.dimension !== null && dimension !== table.dimension ? table.dimension_mistake : null;
    // The right digits under a unit a catalogued mistake types for the one asked (GiB for GB).
    var relabelled = confused !== null ? asTyped : null;
    return { value: value, why: "", mistake: mistake, relabelled: relabelled, confused: confused };
  }

  return { read: read };
}());
