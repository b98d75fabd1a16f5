// How a typed answer is read: the same rules as quizgen grade (quizgen/grading/parse.py and
// expression.py), so that a practice page accepts what the grader accepts. tests/test_answer_reader.py
// runs both on the same inputs.
var quizgenAnswers = (function () {
  "use strict";
  var MAX_ABS = 1e15, MAX_LENGTH = 200, MAX_DEPTH = 20;
  var MINUS = /[\u2212\u2012\u2013\u2014\ufe63\uff0d]/g;
  var TIMES = "*\u00b7\u00d7xX\u22c5\u2219\u2022";
  var PLAIN_INTEGER = /^[ \t\r\n]*[+-]?[0-9]{1,15}[ \t\r\n]*$/;
  var GROUP_SPACES = /(\d)[ \u00a0\u202f\u2009'\u2019_](?=\d{3}(?!\d))/g;
  var NUMBER = /[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?|[+-]?\.\d+(?:[eE][+-]?\d+)?/g;
  var EXPRESSION_MARK = /\d\s*[*\u00b7\u00d7xX\u22c5\u2219\u2022/+]\s*[\d(]|\(\s*\d/;
  var UNITS = { b: 1, byte: 1, bytes: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1048576,
    gib: 1073741824, tib: 1099511627776, bit: 0.125, bits: 0.125 };

  function isDecimalDigit(ch) { return /\p{Nd}/u.test(ch); }
  function digitValue(ch) {
    var cp = ch.codePointAt(0), start = cp;
    while (start > 0 && isDecimalDigit(String.fromCodePoint(start - 1))) { start -= 1; }
    return (cp - start) % 10;
  }
  function normalize(text) {
    if (/^[\x00-\x7f]*$/.test(text)) { return text; }
    var folded = text.normalize("NFKC").replace(MINUS, "-");
    var out = "";
    for (var ch of folded) {
      out += (ch.codePointAt(0) > 127 && isDecimalDigit(ch)) ? String(digitValue(ch)) : ch;
    }
    return out;
  }

  function tokens(text) {
    var found = [], pos = 0, re = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([\s\S]))/y;
    while (pos < text.length) {
      re.lastIndex = pos;
      var m = re.exec(text);
      if (!m || re.lastIndex === pos) { break; }
      if (m[1] !== undefined) { found.push(m[1]); }
      else if (m[2] !== undefined && !/\s/.test(m[2])) { found.push(TIMES.indexOf(m[2]) >= 0 ? "*" : m[2]); }
      pos = re.lastIndex;
    }
    return found;
  }

  function evaluate(text) {
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
      if (/^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(t)) {
        take();
        var n = Number(t);
        if (!(Math.abs(n) <= MAX_ABS)) { throw new Error("range"); }
        return n;
      }
      throw new Error("unexpected " + t);
    }
    function unary() {
      if (peek() === "-") { take(); return -unary(); }
      if (peek() === "+") { take(); return unary(); }
      return atom();
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
    if (!(Math.abs(value) <= MAX_ABS)) { throw new Error("range"); }
    return value;
  }

  function readNumber(raw) {
    if (PLAIN_INTEGER.test(raw)) { return Number(raw.trim()); }
    var text = normalize(raw).trim();
    if (!text) { return null; }
    var grouped = text.replace(GROUP_SPACES, "$1");
    if (EXPRESSION_MARK.test(grouped)) {
      var candidate = grouped.replace(/\s*(?:=.*|params?|parameters?|weights?)\s*$/i, "");
      try { return evaluate(candidate.replace(/,/g, "")); } catch (e) { /* not an expression: read the number */ }
    }
    var numbers = grouped.match(NUMBER) || [];
    var value = null;
    if (numbers.length === 1) { value = Number(numbers[0].replace(/,/g, "")); }
    else if (numbers.length > 1 && /^\d+,\d{1,2}$/.test(grouped)) { value = Number(grouped.replace(",", ".")); }
    if (value === null || !(Math.abs(value) <= MAX_ABS)) { return null; }
    return value;
  }

  function readBytes(raw) {
    var m = /^\s*([^a-zA-Z]*?)\s*([a-zA-Z]+)\s*\.?\s*$/.exec(normalize(raw));
    if (m && Object.prototype.hasOwnProperty.call(UNITS, m[2].toLowerCase())) {
      var n = readNumber(m[1]);
      if (n !== null) {
        var v = n * UNITS[m[2].toLowerCase()];
        return Math.abs(v) <= MAX_ABS ? v : null;
      }
    }
    return readNumber(raw);
  }

  return { readNumber: readNumber, readBytes: readBytes };
}());
