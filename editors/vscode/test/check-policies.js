// Checks the TextMate grammar against real policies (the shipped ones and
// the test fixtures): every file is tokenized with vscode-textmate (the
// engine VS Code uses) and each character's scopes are compared with what a
// small independent scanner says the character is:
//   - inside a string literal: `string.quoted.double.pol`, all of it;
//   - inside a `//` comment: `comment.line.double-slash.pol`, all of it;
//   - elsewhere: no string or comment scope (nothing leaks past a line),
//     and every character other than blanks and brackets has some scope of
//     the grammar (a construct the grammar does not know shows up as text
//     with no scope);
//   - the words polc reserves (`and`, `or`, `not`, `in`, `exists`, `true`,
//     `false`, `none`, `as_of`) are keywords or constants;
//   - `rule X` / `escalate X`: X is a reason code; `N CNY` is money; a
//     `YYYY-MM-DD` is a date; `N%` a percentage.
// Usage: node test/check-policies.js [FILE.pol...]   (exit 1 on any mismatch)
// Without files: the repository's policies — policies/, tests/lsp/,
// tests/policies/ and tests/ui/ but for tests/ui/parse/ (syntax errors on
// purpose: `&&`, a full-width parenthesis).

"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const GRAMMAR = path.join(__dirname, "..", "syntaxes", "pol.tmLanguage.json");
const WASM = require.resolve("vscode-oniguruma/release/onig.wasm");
const RESERVED = ["and", "or", "not", "in", "exists", "true", "false", "none", "as_of"];

async function loadGrammar() {
  const wasm = fs.readFileSync(WASM).buffer;
  await oniguruma.loadWASM(wasm);
  const onigLib = Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  });
  const registry = new vsctm.Registry({
    onigLib,
    loadGrammar: async (scopeName) =>
      scopeName === "source.pol" ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, "utf8"), GRAMMAR) : null,
  });
  return registry.loadGrammar("source.pol");
}

// What each character of a line is, by an independent scan: "s" string,
// "c" comment, "x" anything else.
function classify(line) {
  const kinds = new Array(line.length).fill("x");
  let i = 0;
  while (i < line.length) {
    if (line[i] === '"') {
      const start = i;
      i++;
      while (i < line.length && line[i] !== '"') i += line[i] === "\\" ? 2 : 1;
      i = Math.min(i + 1, line.length);
      kinds.fill("s", start, i);
    } else if (line.startsWith("//", i)) {
      kinds.fill("c", i);
      break;
    } else {
      i++;
    }
  }
  return kinds;
}

// Each character's scopes (JavaScript string index = UTF-16 unit, as VS Code counts).
function scopesOf(tokens, length) {
  const at = new Array(length).fill(null);
  for (const t of tokens) for (let i = t.startIndex; i < Math.min(t.endIndex, length); i++) at[i] = t.scopes;
  return at;
}

function check(grammar, file) {
  const problems = [];
  const lines = fs.readFileSync(file, "utf8").split(/\r?\n/);
  let state = vsctm.INITIAL;
  lines.forEach((line, n) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    const scopes = scopesOf(result.tokens, line.length);
    const kinds = classify(line);
    const where = (i) => `${file}:${n + 1}:${i + 1}`;
    const has = (i, prefix) => (scopes[i] || []).some((s) => s.startsWith(prefix));
    const fail = (i, what) => problems.push(`${where(i)}: ${what} (scopes ${(scopes[i] || []).join(" ")})\n    ${line}`);
    let reported = false;
    for (let i = 0; i < line.length && !reported; i++) {
      const kind = kinds[i];
      if (kind === "s" && !has(i, "string.quoted.double")) (fail(i, "a string's character is not scoped as a string"), (reported = true));
      if (kind === "c" && !has(i, "comment.line.double-slash")) (fail(i, "a comment's character is not scoped as a comment"), (reported = true));
      if (kind === "x" && (has(i, "string") || has(i, "comment"))) (fail(i, "code is scoped as a string or comment"), (reported = true));
      const scoped = (scopes[i] || []).length > 1;
      if (kind === "x" && !/[\s{}()[\]]/.test(line[i]) && !scoped) (fail(i, `\`${line[i]}\` has no scope`), (reported = true));
    }
    const code = Array.from(line, (ch, i) => (kinds[i] === "x" ? ch : " ")).join("");
    const expect = (regex, group, prefix, what) => {
      for (const m of code.matchAll(regex)) {
        const i = m.index + m[0].indexOf(m[group]);
        if (!has(i, prefix)) fail(i, `${what} \`${m[group]}\` is not ${prefix}`);
      }
    };
    for (const m of code.matchAll(new RegExp(`\\b(${RESERVED.join("|")})\\b`, "g"))) {
      if (!has(m.index, "keyword") && !has(m.index, "constant.language")) fail(m.index, `reserved word \`${m[1]}\` is not a keyword`);
    }
    expect(/\b(?:rule|escalate)\s+([A-Za-z_]\w*)/g, 1, "entity.name.function.reason-code", "reason code");
    expect(/\b(\d[\d_]*(?:\.\d[\d_]*)?)\s*CNY\b/g, 1, "constant.numeric.money", "amount");
    expect(/\b(\d{4}-\d{2}-\d{2})\b/g, 1, "constant.numeric.date", "date");
    expect(/\b(\d[\d_]*(?:\.\d[\d_]*)?)%/g, 1, "constant.numeric.percent", "percentage");
  });
  return { problems, lines: lines.length };
}

function repositoryPolicies() {
  const top = path.join(__dirname, "..", "..", "..");
  const found = [];
  const walk = (dir) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && full !== path.join(top, "tests", "ui", "parse")) walk(full);
      else if (entry.isFile() && entry.name.endsWith(".pol")) found.push(path.relative(process.cwd(), full));
    }
  };
  for (const dir of ["policies", "tests/lsp", "tests/policies", "tests/ui"]) walk(path.join(top, dir));
  return found;
}

async function main() {
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args : repositoryPolicies();
  if (files.length === 0) {
    console.error("no .pol files found");
    process.exit(2);
  }
  const grammar = await loadGrammar();
  let failed = 0;
  for (const file of files) {
    const { problems, lines } = check(grammar, file);
    for (const p of problems) console.error(p);
    failed += problems.length;
    console.log(`${problems.length === 0 ? "✓" : "✗"} ${file}: ${lines} lines, ${problems.length} problems`);
  }
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
