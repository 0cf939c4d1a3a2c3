//! Every diagnostic code with its long explanation, a wrong and a fixed
//! example. `polc explain CODE` prints these; `docs/diagnostics.md` is generated
//! from them (a test keeps the two equal). Codes are never reused.

/// The documentation of one diagnostic code.
#[derive(Debug, Clone, Copy)]
pub struct CodeDoc {
    pub code: Code,
    pub title: &'static str,
    pub explanation: &'static str,
    pub wrong: &'static str,
    pub fixed: &'static str,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Code {
    /// The code's catalogue entry.
    pub fn doc(self) -> &'static CodeDoc {
        // INVARIANT: CODES lists every code in declaration order, so a code's index is its place
        &CODES[self as usize]
    }
}

/// What kind of problem a code is about: its letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// `P`: the text does not parse, or a limit on it was exceeded.
    Parse,
    /// `N`: names, `use`d files, the policy header.
    Names,
    /// `T`: types.
    Types,
    /// `A`: the authority block.
    Authority,
    /// `L`: list files.
    Lists,
    /// `W`: warnings.
    Warnings,
    /// `B`: bundles (`polc bundle`, `--bundle`, `Policy::from_bundle`).
    Bundles,
}

impl Code {
    /// A problem after which the program was not built, or a file it uses was not
    /// read (nesting beyond the limit, a source too large, too many declarations,
    /// an unreadable file, a path outside the policy root): checking the rest would
    /// only report what is missing.
    pub fn stops_checking(self) -> bool {
        matches!(self, Code::P0005 | Code::P0007 | Code::P0008 | Code::N0107 | Code::N0116)
    }

    /// A problem with what the command was given rather than with the policy: a list
    /// file that cannot be read, a `--list` that names no list (exit code 2, not 1).
    pub fn is_usage_or_io(self) -> bool {
        matches!(self, Code::L0401 | Code::L0404) || self.family() == Family::Bundles
    }
}

/// Looks a code up (case-insensitive).
pub fn lookup(code: &str) -> Option<&'static CodeDoc> {
    CODES.iter().find(|c| c.code.as_str().eq_ignore_ascii_case(code))
}

/// `docs/diagnostics.md`, generated.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n<!-- generated from crates/polc-core/src/base/codes.rs by `POLC_UPDATE_DOCS=1 cargo test -p polc --test docs`; do not edit -->\n\n\
Every problem `polc check` reports has a stable code: `P` parse, `N` names and `use`, `T` types,\n\
`A` authority, `L` lists, `W` warnings, `B` bundles. `polc explain CODE` prints the entry below.\n\n",
    );
    out.push_str("| code | meaning |\n|---|---|\n");
    for c in CODES {
        out.push_str(&format!("| [{}](#{}) | {} |\n", c.code, c.code.as_str().to_lowercase(), c.title));
    }
    for c in CODES {
        // the PMML codes' examples are PMML
        let lang = if c.wrong.starts_with('<') { "xml" } else { "pol" };
        out.push_str(&format!(
            "\n## {}\n\n**{}**\n\n{}\n\nWrong:\n\n```{lang}\n{}\n```\n\nFixed:\n\n```{lang}\n{}\n```\n",
            c.code, c.title, c.explanation, c.wrong, c.fixed
        ));
    }
    out
}

/// The text `polc explain CODE` prints.
pub fn explain(doc: &CodeDoc) -> String {
    format!(
        "{}: {}\n\n{}\n\nWrong:\n\n{}\n\nFixed:\n\n{}\n",
        doc.code,
        doc.title,
        doc.explanation,
        indent(doc.wrong),
        indent(doc.fixed)
    )
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

macro_rules! codes {
    ($(@ $family:ident $($code:ident $title:literal { $explanation:literal } wrong: $wrong:literal fixed: $fixed:literal)*)*) => {
        /// Every diagnostic code, as a type: control flow matches on these, never on text.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[expect(missing_docs, reason = "each code's documentation is its catalogue entry (`Code::doc`)")]
        pub enum Code {
            $($($code),*),*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$($(Code::$code),*),*];

            /// The stable text of the code, e.g. `T0202`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($(Code::$code => stringify!($code)),*),*
                }
            }

            /// The family the code belongs to: the section of the catalogue it is in.
            pub fn family(self) -> Family {
                match self {
                    $($(Code::$code)|* => Family::$family),*
                }
            }
        }

        /// All codes' documentation, in order.
        pub const CODES: &[CodeDoc] = &[$($(CodeDoc { code: Code::$code, title: $title, explanation: $explanation, wrong: $wrong, fixed: $fixed }),*),*];
    };
}

codes! {
// ------------------------------------------------------------------ parse
@Parse
P0001 "syntax error" {
"The text does not follow the grammar. The message says what was expected at that point; characters that cannot be seen (a stray byte-order mark, a full-width space) are named, and full-width punctuation typed by a Chinese input method is pointed out. Parsing resumes at the next line that starts a declaration, and inside a group at the next rule, inside an authority block at the next level, inside a level at the next limit, so later problems are still reported and one mistake gives one diagnostic: what failed to parse is remembered by name, so no \"unknown name\", \"no rule has the reason code\" or \"never used\" follows from it."
} wrong: "rule A01 decline applicant.age < 18"
  fixed: "rule A01 decline when applicant.age < 18"

P0002 "invalid literal" {
"A number, date or duration literal cannot be held exactly: a whole number beyond 64 bits, a decimal (or an amount of money, or a percentage once divided by 100) with more than 28 decimal places or more significant digits than an exact decimal holds, a date that is not on the calendar, or a fractional duration. Literals are never rounded: `0.000000000000000000000000000001` would otherwise become 0."
} wrong: "let cutoff = 2026-02-30\nlet tiny = 0.000000000000000000000000000001"
  fixed: "let cutoff = 2026-02-28\nlet tiny = 0.0000000000000000000000000001"

P0003 "invalid string escape" {
"Strings know the escapes `\\\"`, `\\\\`, `\\n` and `\\u{…}` (a hexadecimal code point)."
} wrong: "rule A01 \"tab\\there\" decline when applicant.age < 18"
  fixed: "rule A01 \"tab here\" decline when applicant.age < 18"

P0004 "chained comparison" {
"Comparisons do not chain: `a < b < c` would compare a Bool with a number. Join two comparisons with `and`, or use a range."
} wrong: "rule A01 refer when 18 <= age < 22"
  fixed: "rule A01 refer when age in 18 ..= 21"

P0005 "nested too deeply" {
"Expressions may nest at most 256 levels by default (brackets, `not`/`-` runs, operator chains, lets that depend on lets). Policies nest a handful of levels; the limit stops a hostile or generated file from exhausting the compiler's or the interpreter's stack. `--max-nesting N` changes it (at most 4096; polc's own threads get stacks sized to match)."
} wrong: "rule A01 decline when ((((((… 300 levels …))))))"
  fixed: "let ratio = applicant.monthly_debt / applicant.monthly_income\nrule A03 decline when ratio > 50%"

P0006 "range outside `in`" {
"A range `lo ..= hi` is not a value: it only says what `in` tests against."
} wrong: "let band = 550 ..= 619"
  fixed: "rule R04 refer when applicant.credit_score in 550 ..= 619"

P0007 "policy source too large" {
"The policy and the files it uses come to more bytes than `--max-source-bytes` (default 16 MiB). A file over the limit is not read at all. Real policies are a few kilobytes; the limit stops a runaway generator or a wrong path (a log file, a disk image) from taking the compiler's memory."
} wrong: "use \"exports/all_rules_2019_to_2026.pol\"   // 300 MB"
  fixed: "use \"common.pol\""

P0008 "too many declarations" {
"The policy and the files it uses declare more than `--max-declarations` things (default 200,000; each rule in a group counts, and so does the group). The first declaration past the limit is shown."
} wrong: "// 250,000 generated rules, one per branch and product"
  fixed: "// one rule per condition, with the branch in a list:\nlist branch_blocks: String from \"lists/branch_blocks.txt\"\nrule B01 \"branch blocked\" decline when applicant.branch in branch_blocks"

P0009 "string literal too long" {
"A string literal is longer than `--max-string-bytes` (default 64 KiB) once its escapes are decoded. Long data belongs in a list file, which is hashed into every decision, not in the policy text."
} wrong: "const allowed = {\"…a 100 KB string…\"}"
  fixed: "list allowed: String from \"lists/allowed.txt\""

P0010 "`if` or `else` where a rule needs `when` or `unless`" {
"A rule says when it fires with `when` or `unless`, and the other case is a rule of its own (a decision is the result of every rule): `decline if …`, a rule's condition followed by `else …`, or `elif` (written `else if` in a `.pol` expression) get this code instead of a bare syntax error. Inside an expression, `if C then A else B` is a value (§10)."
} wrong: "rule A02 decline when applicant.is_student else refer"
  fixed: "rule A02 decline when applicant.is_student\nrule R02 refer unless applicant.is_student"

P0011 "half-open range in an authority limit" {
"An authority limit's range includes both of its ends: `PATH in lo ..= hi`. The half-open range `lo ..< hi` belongs in expressions (`x in 600 ..< 660`) and in `match` patterns."
} wrong: "level city { applicant.loan.premium_rate in 2% ..< 8% }"
  fixed: "level city { applicant.loan.premium_rate in 2% ..= 7.99% }"

P0017 "PMML document that is not a readable scorecard" {
"`polc import pmml FILE` reads a PMML 4.x document with a top-level `Scorecard` model. This code is a document it cannot read as one: text that is not well-formed XML, a DTD (`<!DOCTYPE …>`, refused so that no entity can expand), a root that is not `<PMML>`, a version other than 4.x, no `Scorecard` (or scorecards only inside a `MiningModel`'s segments), or something the PMML schema requires that is missing: a `Characteristics` list, an attribute's predicate or `partialScore`, a predicate's `field` or `value`, a `DataField` for every field a bin names (its `dataType` decides how bounds are read: `integer` bins are whole numbers), a `reasonCode` or `baselineScore` when the model uses reason codes, an operator PMML does not define. The message names the element and its line."
} wrong: "<Attribute partialScore=\"10\">\n  <SimplePredicate field=\"age\" operator=\"below\" value=\"25\"/>\n</Attribute>"
  fixed: "<Attribute partialScore=\"10\">\n  <SimplePredicate field=\"age\" operator=\"lessThan\" value=\"25\"/>\n</Attribute>"

P0018 "PMML element with no `.pol` translation" {
"The PMML is valid, but a part of it has no `.pol` scorecard meaning, and the importer does not guess: points that are not whole numbers, `ComplexPartialScore` (points computed from the value), `reasonCodeAlgorithm=\"pointsAbove\"`, predicates other than `SimplePredicate`, `SimpleSetPredicate` (`isIn`), `CompoundPredicate` (`and`, `or`) and `True`, `notEqual`, `isNotMissing` or `isNotIn` (write the values they stand for), a characteristic whose bins are on different fields, a range open at its lower end on a decimal field (`(0.1, 0.3]`: `.pol` ranges are `a ..< b` and `a ..= b`; give `--int FIELD` when the field holds whole numbers), `--int` on a categorical field, a `missingValueReplacement` that is not whole on a whole-number field, a bin that, less what earlier bins take (PMML takes the first match; `.pol` bins are unique), falls in two pieces, a `missingValueReplacement` on a categorical field, or a name that is not a `.pol` name (`--name NAME` names the scorecard). The message names the element and points at the attribute at fault."
} wrong: "<Attribute partialScore=\"12.5\">\n  <SimplePredicate field=\"age\" operator=\"notEqual\" value=\"30\"/>\n</Attribute>"
  fixed: "<Attribute partialScore=\"125\">\n  <SimplePredicate field=\"age\" operator=\"lessThan\" value=\"30\"/>\n</Attribute>"

P0019 "PMML bin that never matches" {
"PMML takes the first attribute whose predicate is true, so an attribute whose values the attributes before it all take is never used: after `<True/>`, a second `isMissing`, a range inside earlier ranges, values all listed before, an `isMissing` on a field whose `MiningField` replaces missing values, or an `equal` to a fraction on an `integer` field. A model export with a dead bin is not the model its author reviewed, so the importer stops instead of dropping it."
} wrong: "<Attribute partialScore=\"30\"><SimplePredicate field=\"age\" operator=\"lessThan\" value=\"55\"/></Attribute>\n<Attribute partialScore=\"10\"><SimplePredicate field=\"age\" operator=\"lessThan\" value=\"25\"/></Attribute>"
  fixed: "<Attribute partialScore=\"10\"><SimplePredicate field=\"age\" operator=\"lessThan\" value=\"25\"/></Attribute>\n<Attribute partialScore=\"30\"><SimplePredicate field=\"age\" operator=\"lessThan\" value=\"55\"/></Attribute>"

P0030 "unknown basis kind" {
"`basis` says where a threshold comes from (§15): `regulation` (a regulator's rule: DOMAIN.md's [R]), `industry` (an industry standard or practice: [I]) or `company` (the company's own risk appetite), followed by the citation in a string. Another word is not a kind; the nearest kind is proposed."
} wrong: "rule A01 \"未满18周岁\" decline when age < 18 basis regulaton \"民法典 第十七条\""
  fixed: "rule A01 \"未满18周岁\" decline when age < 18 basis regulation \"民法典 第十七条\""

P0031 "effective range that holds no day" {
"`effective D1 ..< D2` is in force from D1 (included) to D2 (excluded): D2 is the first day no longer in force, so it must be later than D1. A range whose end is on or before its start would never be in force, which is never what a committee approved."
} wrong: "const max_dti: Decimal = 45% effective 2027-01-01 ..< 2026-01-01"
  fixed: "const max_dti: Decimal = 45% effective 2026-01-01 ..< 2027-01-01"

P0032 "governance clause written twice" {
"A rule, limit, const or scorecard has at most one `basis`, one `effective` and one `overridable by` (in any order, after the condition or the const's value). Two of one kind would leave the reader to guess which holds; both places are shown."
} wrong: "rule A04 decline when applicant.credit_score < 550\n  basis company \"风险偏好 2026\"\n  basis industry \"行业自律公约\""
  fixed: "rule A04 decline when applicant.credit_score < 550\n  basis company \"风险偏好 2026\""

P0033 "governance clause on a declaration that cannot have it" {
"`basis` may follow a rule, credit limit, const or scorecard; `effective` a rule, credit limit or const (a scorecard is in force when the rules that read it are); `overridable by` only a decline rule. This code is one of them after a declaration that cannot carry it."
} wrong: "const max_dti: Decimal = 50% overridable by head_office"
  fixed: "const max_dti: Decimal = 50% basis company \"风险偏好 2026\""

// ------------------------------------------------------------------ names
@Names
N0101 "duplicate name" {
"Enums, records, the input, lists, consts, lets and fixtures share one namespace across the policy and every file it uses. Both places are shown."
} wrong: "let age = 1\nlet age = 2"
  fixed: "let age = 1\nlet age_next_year = 2"

N0102 "duplicate reason code" {
"A reason code names exactly one rule (or the authority's escalation), so that a decision's reasons say unambiguously what fired."
} wrong: "rule A01 decline when age < 18\nrule A01 decline when applicant.is_student"
  fixed: "rule A01 decline when age < 18\nrule A02 decline when applicant.is_student"

N0103 "unknown name" {
"The name is not a let, const, list, the input or an enum variant. The help suggests the closest declared name."
} wrong: "rule A01 decline when agee < 18"
  fixed: "rule A01 decline when age < 18"

N0104 "unknown type" {
"A field, input, list or const names a type that is neither built in (Bool, Int, Decimal, Money, Date, String, IdCard, CreditCode, Phone) nor a declared enum or record."
} wrong: "record Loan { amount: Mony }"
  fixed: "record Loan { amount: Money }"

N0105 "unknown field" {
"The record has no field of that name. The help suggests the closest field."
} wrong: "rule A01 decline when applicant.agee < 18"
  fixed: "rule A01 decline when applicant.age < 18"

N0106 "unknown enum variant" {
"Where an enum is expected, a bare name must be one of its variants."
} wrong: "rule R01 refer when applicant.branch_level == citty"
  fixed: "rule R01 refer when applicant.branch_level == city"

N0107 "file not readable" {
"A `use`d file (or the policy itself) cannot be read. `use` paths are relative to the file that contains them."
} wrong: "use \"comon.pol\""
  fixed: "use \"common.pol\""

N0108 "use cycle" {
"Files that use each other, directly or through others, cannot be ordered. Move what they share into a third file."
} wrong: "// a.pol\nuse \"b.pol\"\n// b.pol\nuse \"a.pol\""
  fixed: "// a.pol and b.pol\nuse \"common.pol\""

N0109 "missing or repeated input" {
"A policy declares exactly one `input`: the record each evaluation receives."
} wrong: "policy demo version \"1\"\nrecord Applicant { age: Int }"
  fixed: "policy demo version \"1\"\nrecord Applicant { age: Int }\ninput applicant: Applicant"

N0110 "unknown function" {
"Only the built-in functions exist: years_between, months_between, days_between, min, max, abs, round, len, starts_with, birth_date, sex, region, any, all, count, sum, requested."
} wrong: "let age = year_between(applicant.birth_date, as_of)"
  fixed: "let age = years_between(applicant.birth_date, as_of)"

N0111 "duplicate field or variant" {
"A record lists a field twice, or an enum lists a variant twice."
} wrong: "enum Level { city, city, provincial }"
  fixed: "enum Level { city, provincial }"

N0112 "missing or misplaced policy header" {
"The root file starts with `policy NAME \"title\"? version \"V\"`. The name and version go into every decision."
} wrong: "record Applicant { age: Int }\npolicy demo version \"1\""
  fixed: "policy demo version \"1\"\nrecord Applicant { age: Int }"

N0113 "extra policy header" {
"A policy has one header. A file brought in with `use` shares the root policy's header and has none of its own."
} wrong: "// common.pol\npolicy common version \"1\"\nenum Level { city }"
  fixed: "// common.pol\nenum Level { city }"

N0114 "self-referential definition" {
"A let or const is defined in terms of itself, directly or through others, so it has no value."
} wrong: "let a = b + 1\nlet b = a"
  fixed: "let a = applicant.score + 1\nlet b = a"

N0115 "unknown reason code in a test" {
"A test's expected reasons name a code that no rule (nor the authority's escalation) has."
} wrong: "test \"minor\" { given applicant = clean with { age: 17 } expect decline [A1] }"
  fixed: "test \"minor\" { given applicant = clean with { age: 17 } expect decline [A01] }"

N0116 "path outside the policy root" {
"A `use` or `list … from` path leads outside the policy root: by default the directory of the policy given to polc, or the one given with `--root DIR`. A policy may read only its input record, its lists and `as_of`; confining its paths stops a policy from reading `../../etc/passwd` into a decision. Symbolic links are followed before the check. `--allow-outside-root` lifts it. Lists bound on the command line (`--list NAME=PATH`) are chosen by the operator and are not confined."
} wrong: "use \"../../../etc/passwd\""
  fixed: "use \"common.pol\"   // beside the policy, or pass --root to a shared parent"

N0120 "output declared twice" {
"Each `output` needs its own name: it is a key of the decision line's `outputs`. Outputs have their own namespace (an output may share its let's name)."
} wrong: "output grade = risk_grade\noutput grade = applicant.credit_score"
  fixed: "output grade = risk_grade\noutput score = applicant.credit_score"

N0121 "unknown output in a test" {
"A test's `expect … outputs { name: value }` names an output the policy does not declare."
} wrong: "expect approve at city outputs { grad: B }"
  fixed: "expect approve at city outputs { grade: B }"
N0125 "fixture derived from itself" {
"A fixture derived with `fixture B = A with { … }` starts from the record of `A`; chains are allowed (`C = B with …`, `B = A with …`), but a chain that comes back to where it started has no record to start from. The message names the whole cycle."
} wrong: "fixture young = old with { birth_date: 2004-01-01 }\nfixture old = young with { birth_date: 1960-01-01 }"
  fixed: "fixture clean = { id: \"T0\", birth_date: 1990-03-07, … }\nfixture young = clean with { birth_date: 2004-01-01 }\nfixture old = clean with { birth_date: 1960-01-01 }"

N0126 "declaration in a test file" {
"`NAME.test.pol` beside `NAME.pol` holds the policy's tests: only `test` and `fixture` declarations (and comments). It sees every declaration of `NAME.pol`, and it is not part of the policy hash, so nothing in it may change a decision: a rule, let, const, list, `use` or header belongs in the policy. `polc check NAME.pol` and `polc test NAME.pol` read the test file; `polc run` does not."
} wrong: "// loan.test.pol\nlet adult_age = 18\ntest \"a minor is declined\" { given applicant = clean with { age: 17 } expect decline [A01] }"
  fixed: "// loan.test.pol\ntest \"a minor is declined\" { given applicant = clean with { age: 17 } expect decline [A01] }"

N0130 "const versions that overlap" {
"Two `const`s of one name are versions (§15) when each has an `effective` range and the ranges share no day: `as_of` chooses the one in force. Ranges that share a day would leave two values in force at once; a version without a range is in force always, so it overlaps every other. The day both hold is named."
} wrong: "const max_dti: Decimal = 50% effective ..< 2027-01-01\nconst max_dti: Decimal = 45% effective 2026-12-01 .."
  fixed: "const max_dti: Decimal = 50% effective ..< 2027-01-01\nconst max_dti: Decimal = 45% effective 2027-01-01 .."

// ------------------------------------------------------------------ types
@Types
T0201 "type mismatch" {
"An expression has a different type from the one its place needs: a condition that is not Bool, a set member of the wrong type, a function argument of the wrong type."
} wrong: "rule A01 decline when applicant.credit_score"
  fixed: "rule A01 decline when applicant.credit_score < 550"

T0202 "Money mixed with a bare number" {
"Money only combines with Money (`+`, `-`, comparisons), or is scaled by a number (`*`, `/`). A bare number is not an amount: write the currency."
} wrong: "rule A09 refer when applicant.loan.amount > 200000"
  fixed: "rule A09 refer when applicant.loan.amount > 200_000 CNY"

T0203 "optional value used as a value" {
"A `T?` may be `none`. Guard it (`x exists and …`, after which `x` is a T) or give a default (`x ?? d`)."
} wrong: "rule F03 decline when applicant.device_id in bad_devices"
  fixed: "rule F03 decline when applicant.device_id exists and applicant.device_id in bad_devices"

T0204 "operator not defined for these types" {
"The operator does not apply to these operand types, e.g. `Money * Money`, negating a String, comparing records."
} wrong: "let x = applicant.monthly_income * applicant.monthly_debt"
  fixed: "let x = applicant.monthly_debt / applicant.monthly_income"

T0205 "wrong number or kind of arguments" {
"A built-in function was called with the wrong number of arguments, or `any`/`all`/`sum` without a lambda."
} wrong: "let age = years_between(applicant.birth_date)"
  fixed: "let age = years_between(applicant.birth_date, as_of)"

T0207 "date minus date" {
"The difference of two dates has no single unit. Say which you mean."
} wrong: "let tenure = as_of - applicant.opened"
  fixed: "let tenure = days_between(applicant.opened, as_of)"

T0208 "not a constant" {
"A const is folded when the policy is compiled, so it cannot read the input, a list, a let or `as_of`."
} wrong: "const cutoff: Date = as_of"
  fixed: "let cutoff = as_of - 6 months"

T0209 "constant cannot be computed" {
"A constant part of the policy (a const, an authority limit, test data, or a sub-expression of a rule or let that reads nothing from the input) is computed when the policy is compiled, and that failed: a division by zero, an overflow, or a sum, difference or product whose exact result needs more than 28 decimal places or more digits than an exact decimal holds. It is reported here, rather than failing for every application, and never rounded (a quotient is rounded to 28 significant digits, as at run time)."
} wrong: "const ratio: Decimal = 1 / 0"
  fixed: "const ratio: Decimal = 1 / 2"

T0210 "duration outside date arithmetic" {
"Durations (`6 months`) only shift dates. They cannot be stored in fields or combined with numbers."
} wrong: "let window = 6 months + 1"
  fixed: "let window_start = as_of - 6 months"

T0212 "no ordering" {
"`<`, `<=`, `>`, `>=`, ranges, min and max apply to Int, Decimal, Money and Date. Enums, strings and identifiers have no order: use `==` or `in`."
} wrong: "rule R01 refer when applicant.branch_level < provincial"
  fixed: "rule R01 refer when applicant.branch_level in {city}"

T0213 "ambiguous enum variant" {
"The bare name is a variant of several enums and nothing says which is meant. Qualify it."
} wrong: "let x = bank"
  fixed: "let x = Funder.bank"

T0214 "input is not a record" {
"The input must be a record type."
} wrong: "input applicant: Int"
  fixed: "input applicant: Applicant"

T0216 "invalid identifier literal" {
"A string literal used as an IdCard, Phone or CreditCode is validated when the policy is compiled (format, dates, check character)."
} wrong: "rule F09 decline when applicant.id_number == \"110100199003070139\""
  fixed: "rule F09 decline when applicant.id_number == \"110100199003070138\""

T0217 "lambda out of place" {
"`x => …` is only an argument of `any`, `all` or `sum`."
} wrong: "let f = x => x > 1"
  fixed: "let any_large = any(applicant.loans, l => l.amount > 100_000 CNY)"

T0218 "type used as a value" {
"The name is an enum or record type, not a value."
} wrong: "rule A01 decline when Applicant"
  fixed: "rule A01 decline when applicant.is_student"

T0219 "field access on a non-record" {
"Only records have fields."
} wrong: "rule A01 decline when applicant.age.years < 18"
  fixed: "rule A01 decline when applicant.age < 18"

T0220 "incomplete test record" {
"A test's record (or a fixture) is typed against the input record: every field must be given (optional ones may be `none`). A dotted key (`loan.amount: …`) changes one field of a record that is already given, e.g. by a fixture."
} wrong: "fixture clean = { id: \"T0\", age: 30 }      // Applicant also has `income`"
  fixed: "fixture clean = { id: \"T0\", age: 30, income: 12_000 CNY }"

T0221 "`if` branches of different types" {
"Both branches of `if C then A else B` give one type: Int widens to Decimal, and `none` in one branch with a `T` in the other gives `T?`. Anything else (a Money and a bare number, a String and an Int) is an error naming both branches."
} wrong: "let cap = if applicant.is_student then 50_000 else 200_000 CNY"
  fixed: "let cap = if applicant.is_student then 50_000 CNY else 200_000 CNY"

T0222 "table arms of different types" {
"Every arm of a `match` gives one type, as the branches of an `if` do (Int widens to Decimal; `none` with `T` gives `T?`). The first arm of another type is shown with the first arm."
} wrong: "let grade = match applicant.credit_score {\n  >= 700 => \"A\"\n  < 700 => 2\n}"
  fixed: "let grade = match applicant.credit_score {\n  >= 700 => \"A\"\n  < 700 => \"B\"\n}"

T0223 "pattern that does not fit its subject" {
"A pattern tests its subject's type: an interval (`< x`, `a ..< b`) an Int, Decimal, Money or Date subject, with bounds of that type (Int bounds widen for a Decimal); a variant an enum subject; `true`/`false` a Bool; `none` an optional subject; a set constant one of that element type. A pattern's bounds and values are constants, known when the policy is compiled."
} wrong: "match applicant.loan.product {\n  < 5 => 1\n  _ => 0\n}"
  fixed: "match applicant.loan.product {\n  consumer_loan => 1\n  _ => 0\n}"

T0224 "arm with the wrong number of patterns" {
"An arm of `match S1, S2 { … }` has one pattern per subject, separated by `,` (`_` for a subject the arm does not test). A scorecard bin has one pattern."
} wrong: "match applicant.grade, applicant.loan.product {\n  A => 1\n  _, _ => 0\n}"
  fixed: "match applicant.grade, applicant.loan.product {\n  A, _ => 1\n  _, _ => 0\n}"

T0225 "overlapping arms" {
"A table's hit policy is unique: at most one arm matches any values of the subjects, so the order of the arms never changes a result. Two arms that can match the same values are an error naming both and a value both match (the later arm is labelled first). When both arms give the same constant, it is the warning W0510 instead. Dense types (Decimal, Money) leave the bound itself between `< 5` and `> 5`; Int and Date are discrete (`< 5` is `<= 4`)."
} wrong: "match applicant.credit_score {\n  600 ..< 660 => 1\n  >= 650 => 2\n  < 600 => 0\n}"
  fixed: "match applicant.credit_score {\n  600 ..< 660 => 1\n  >= 660 => 2\n  < 600 => 0\n}"

T0226 "values no arm matches" {
"A table's arms leave values of the subjects unmatched; the message names one. Enum, Bool and interval reasoning decide it; `none` of an optional subject needs a `none` (or `_`) arm, and a subject of another type (String, IdCard, records…) needs a `_` arm. An arm that is all `_` makes a table complete."
} wrong: "match applicant.credit_score {\n  < 600 => 0\n  > 600 => 1\n}"
  fixed: "match applicant.credit_score {\n  < 600 => 0\n  >= 600 => 1\n}"

T0227 "table too large to check" {
"Checking a table's unique hit policy splits each subject's values at every bound its patterns name and looks at the combinations; a table whose combinations need more than 1,000,000 steps to examine is not checked, and is an error rather than a table whose overlaps and gaps nobody knows. Split it into nested tables or `let`s."
} wrong: "match a, b, c, d { … 400 arms with a distinct bound each … }"
  fixed: "let band = match a { … }\nlet grade = match band, b { … }"

T0228 "bin points that are not a whole number" {
"A scorecard bin's points are a whole-number literal (negative allowed): the score is the base plus the points of each characteristic's bin."
} wrong: "characteristic applicant.age reason S01 baseline 40 {\n  < 25 => 10.5\n  _ => 30\n}"
  fixed: "characteristic applicant.age reason S01 baseline 40 {\n  < 25 => 10\n  _ => 30\n}"

T0229 "interval that contains nothing" {
"An interval pattern's lower bound is below its upper bound (`a ..< b` needs `a < b`, `a ..= b` needs `a <= b`); an empty interval can never match, so it is a mistake in the table."
} wrong: "match applicant.age {\n  60 ..< 18 => 1\n  _ => 0\n}"
  fixed: "match applicant.age {\n  18 ..< 60 => 1\n  _ => 0\n}"

T0240 "limit path is not a Money field of the input" {
"A credit limit's path is the requested sum: a Money field of the input (not optional, not a let). `requested(PATH)` takes the same kind of path."
} wrong: "limit L01 applicant.loan.term_months <= 36"
  fixed: "limit L01 applicant.loan.amount <= applicant.monthly_income * 20"

T0241 "limit line reads its own path" {
"A credit limit's line (and floor) must not read the amount it limits, directly or through lets: the line would depend on the offer it makes. The message shows the chain of lets. `requested(PATH)` is allowed where the requested amount is meant."
} wrong: "let cap = applicant.loan.amount * 0.9\nlimit L01 applicant.loan.amount <= cap"
  fixed: "let cap = applicant.monthly_income * 20\nlimit L01 applicant.loan.amount <= cap"

T0242 "limits on different paths" {
"All credit limits of a policy limit one amount: a decision has one offer. Both limits are labelled."
} wrong: "limit L01 applicant.loan.amount <= 100_000 CNY\nlimit L02 applicant.loan.premium <= 5_000 CNY"
  fixed: "limit L01 applicant.loan.amount <= 100_000 CNY\nlimit L02 applicant.loan.amount <= applicant.monthly_income * 20"

T0243 "output of a type a line cannot carry" {
"An output is one value on the decision line: Bool, Int, Decimal, Money, Date, String, IdCard, Phone, CreditCode, an enum, or an optional one of these. Sets, lists and records are not outputs."
} wrong: "output loans = applicant.loans"
  fixed: "output loan_count = count(applicant.loans)"

// ------------------------------------------------------------------ authority
@Authority
A0301 "authority over a non-enum" {
"`authority over PATH` names the input field that holds the application's level; it must be an enum whose variants are the levels."
} wrong: "authority over applicant.branch escalate E01 { … }   // branch: String"
  fixed: "authority over applicant.branch_level escalate E01 { … }   // branch_level: Level"

A0302 "level without a block" {
"Every variant of the level enum needs a `level` block (a block with no limits is unlimited)."
} wrong: "enum Level { city, committee }\nauthority over applicant.level escalate E01 { level city }"
  fixed: "authority over applicant.level escalate E01 {\n  level city { applicant.loan.amount <= 200_000 CNY }\n  level committee above city\n}"

A0303 "unknown level" {
"A level block, an `above` or a `refer to` names something that is not a variant of the level enum."
} wrong: "level provincial above citty { … }"
  fixed: "level provincial above city { … }"

A0304 "level declared twice" {
"Each level has one block."
} wrong: "level city { … }\nlevel city { … }"
  fixed: "level city { … }"

A0305 "levels form a cycle" {
"Following `above` from a level leads back to it. Levels form a tree."
} wrong: "level a above b\nlevel b above a"
  fixed: "level a\nlevel b above a"

A0306 "level under two parents" {
"A level escalates to exactly one level, so it may appear in only one `above`."
} wrong: "level provincial above city\nlevel head_office above city"
  fixed: "level provincial above city\nlevel head_office above provincial"

A0307 "more than one root" {
"Exactly one level (the top decision body, e.g. the risk committee) has nothing above it."
} wrong: "level city\nlevel committee"
  fixed: "level city\nlevel committee above city"

A0308 "delegation exceeds the level above" {
"A level's limits must lie within those of the level it escalates to: a lower maximum, a higher minimum, a subset of products. Otherwise a branch could approve what its superior cannot. The primary label is on the lower level's limit, the secondary on the limit it exceeds."
} wrong: "level city { applicant.loan.amount <= 2_000_000 CNY }\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"
  fixed: "level city { applicant.loan.amount <= 200_000 CNY }\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"

A0309 "unlimited below a limited level" {
"A level with no limit on a path may approve any value there, so the level above it must be unlimited on that path too."
} wrong: "level city { }\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"
  fixed: "level city { applicant.loan.amount <= 200_000 CNY }\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"

A0310 "limit is not a constant" {
"Authority limits are fixed when the policy is compiled, so the delegation can be checked statically."
} wrong: "level city { applicant.loan.amount <= applicant.monthly_income * 10 }"
  fixed: "level city { applicant.loan.amount <= 200_000 CNY }"

A0311 "second authority block" {
"A policy has at most one authority block."
} wrong: "authority over applicant.level escalate E01 { … }\nauthority over applicant.level escalate E02 { … }"
  fixed: "authority over applicant.level escalate E01 { … }"

A0312 "refer to a level without authority" {
"`refer to LEVEL` names an authority level, so the policy needs an authority block."
} wrong: "rule R01 refer to committee when applicant.credit_score < 620"
  fixed: "rule R01 refer when applicant.credit_score < 620"

A0313 "optional authority path" {
"An authority limit or the `over` path must always have a value."
} wrong: "record Loan { amount: Money? }"
  fixed: "record Loan { amount: Money }"

A0314 "escalation code with two messages" {
"A limit's own escalation code (`… escalate E02 \"超出保额授权\"`) may stand on several limits, and may be the block's `escalate` code, but it has one message: the text a decision's `messages` give for it. Write the message once and the code alone elsewhere, or give the limit its own code."
} wrong: "applicant.loan.amount <= 200_000 CNY escalate E02 \"超出保额授权\"\napplicant.loan.amount <= 100_000 CNY when applicant.segment == micro escalate E02 \"超出小微保额\""
  fixed: "applicant.loan.amount <= 200_000 CNY escalate E02 \"超出保额授权\"\napplicant.loan.amount <= 100_000 CNY when applicant.segment == micro escalate E02"

A0330 "exception to a regulation" {
"`overridable by LEVEL` lets a level grant an exception (特批) to a decline. A rule whose `basis` is a `regulation` states what the regulator requires: no level of the company may waive it, so it cannot be overridable. If the rule is stricter than the regulation, its basis is the company's: say so, and keep the regulatory part in a rule of its own."
} wrong: "rule A01 decline when age < 18\n  basis regulation \"民法典 第十七条\"\n  overridable by committee"
  fixed: "rule A01 decline when age < 18\n  basis regulation \"民法典 第十七条\""

A0331 "`overridable by` on a rule that does not decline" {
"An exception overrides a decline: when only overridable declines fired, the decision is `refer` to the level that may grant it. A `refer` rule already sends the application to a level that decides, so `overridable by` on it means nothing."
} wrong: "rule R04 refer when applicant.credit_score < 620 overridable by provincial"
  fixed: "rule R04 refer to provincial when applicant.credit_score < 620"

A0332 "exception granted by an unknown level" {
"`overridable by LEVEL` names the level that may grant the exception: a variant of the authority's level enum. The nearest level is proposed."
} wrong: "rule A05 decline when applicant.overdue_count_24m >= 3 overridable by head_ofice"
  fixed: "rule A05 decline when applicant.overdue_count_24m >= 3 overridable by head_office"

// ------------------------------------------------------------------ lists
@Lists
L0401 "list file not readable" {
"A list's `from` file (or the file given with `--list NAME=PATH`) cannot be read. `from` paths are relative to the policy file."
} wrong: "list fraud_ids: IdCard from \"lists/fraud_id.txt\""
  fixed: "list fraud_ids: IdCard from \"lists/fraud_ids.txt\""

L0402 "bad list entry" {
"An entry of a list file is not a valid value of the list's type (an ID number with a wrong check character, a malformed phone). The message names file and line. Entries are never skipped silently."
} wrong: "# lists/fraud_ids.txt\n110100199003070139"
  fixed: "# lists/fraud_ids.txt\n110100199003070138"

L0403 "list element type not supported" {
"List entries are one value a line: String, IdCard, Phone, CreditCode, Int, Decimal, Money, Date or an enum."
} wrong: "list applicants: Applicant from \"a.txt\""
  fixed: "list bad_devices: String from \"lists/bad_devices.txt\""

L0404 "unknown list binding" {
"`--list NAME=PATH` (or the embedding API) names a list the policy does not declare."
} wrong: "polc run p.pol --input a.jsonl --list fraud=f.txt"
  fixed: "polc run p.pol --input a.jsonl --list fraud_ids=f.txt"

L0405 "CSV column not found" {
"A list read from CSV (`column \"name\"`) needs a header line with that column."
} wrong: "list fraud_ids: IdCard from \"ids.csv\" column \"id\"    // header: id_number,source"
  fixed: "list fraud_ids: IdCard from \"ids.csv\" column \"id_number\""

L0406 "list file too large" {
"A list file holds more bytes than `--max-list-bytes` (default 1 GiB, about 50 million ID numbers). A regular file over the limit is not read at all; a device or pipe is read only to the limit. The limit stops a wrong path (`/dev/zero`, a disk image, a log) from taking the machine's memory."
} wrong: "polc run p.pol --input a.jsonl --list fraud_ids=/dev/zero"
  fixed: "polc run p.pol --input a.jsonl --list fraud_ids=lists/fraud_ids.txt"

L0407 "list file not UTF-8" {
"A list file must be UTF-8 text. The message names the line and the bytes that are not UTF-8, and what the file looks like instead (GBK / GB 18030, the usual Chinese Windows encoding, or UTF-16). Save it as UTF-8: in Excel, Save As → \"CSV UTF-8\"; in Notepad, Save As → Encoding: UTF-8. A byte-order mark at the start is fine."
} wrong: "# lists/names.txt saved as GBK: 张三 is the bytes D5 C5 C8 FD"
  fixed: "# lists/names.txt saved as UTF-8: 张三 is the bytes E5 BC A0 E4 B8 89"

// ------------------------------------------------------------------ warnings
@Warnings
W0501 "unused let" {
"The let is not used by any rule, let or limit. Remove it, or prefix its name with `_`."
} wrong: "let age_next_year = age + 1"
  fixed: "// removed"

W0502 "unused const" {
"The const is never used."
} wrong: "const max_term: Int = 36"
  fixed: "rule A08 decline when applicant.loan.term_months > max_term"

W0503 "unused list" {
"The list is loaded but no rule checks it."
} wrong: "list bad_cards: String from \"lists/bad_cards.txt\""
  fixed: "rule F04 decline when applicant.card in bad_cards"

W0504 "constant condition" {
"The rule's condition does not depend on the input, a list or `as_of`: the rule fires for every record or for none."
} wrong: "rule A09 decline when 1 > 2"
  fixed: "rule A09 decline when applicant.loan.term_months > 60"

W0505 "subsumed rule" {
"Whenever this rule fires, another rule with the same outcome fires too (found by interval reasoning on comparisons of the same field, and set reasoning on `in`). The narrower rule never changes a decision."
} wrong: "rule A04 decline when applicant.credit_score < 550\nrule A09 decline when applicant.credit_score < 500"
  fixed: "rule A04 decline when applicant.credit_score < 550"

W0506 "exists or ?? on a non-optional value" {
"The value is never `none`, so `exists` is always true and a `??` default is never used."
} wrong: "rule A01 decline when applicant.age exists and applicant.age < 18"
  fixed: "rule A01 decline when applicant.age < 18"

W0507 "referral masked by a decline" {
"Whenever this refer rule fires, a decline rule with a weaker condition on the same field fires too, so the application is declined and the referral never matters. Both rules still run and appear in traces."
} wrong: "rule A04 decline when applicant.credit_score < 550\nrule R09 refer when applicant.credit_score < 500"
  fixed: "rule A04 decline when applicant.credit_score < 550\nrule R04 refer when applicant.credit_score < 620"

W0508 "level that cannot authorise escalations" {
"A level's limits are no wider than those of a level below it, so an application that the lower level escalates fails the upper level's limits too: escalating to it is pointless."
} wrong: "level city { applicant.loan.amount <= 200_000 CNY }\nlevel provincial above city { applicant.loan.amount <= 200_000 CNY }"
  fixed: "level city { applicant.loan.amount <= 200_000 CNY }\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"

W0509 "whole number compared with a rate" {
"A rate or ratio — a `Decimal` field or let, or `Money / Money` — is compared with a whole number above 1. A rate is a fraction (`50%` is 0.50), so `dti <= 70` means 7000% and lets everything through. Write the percentage (`70%`); if the number itself is meant (a Decimal that is not a rate), write it as a decimal (`70.0`) and the warning goes. A `const` of type `Int` above 1 compared with a rate is warned about the same way (`const max_dti: Int = 50` … `dti <= max_dti`): declare it `const max_dti: Decimal = 50%`."
} wrong: "rule A03 decline unless dti <= 50\nlevel city { applicant.loan.premium_rate in 2 ..= 8 }"
  fixed: "rule A03 decline unless dti <= 50%\nlevel city { applicant.loan.premium_rate in 2% ..= 8% }"

W0510 "overlapping arms with the same value" {
"Two arms of a table can match the same values but give the same constant, so the order of the arms cannot change a result; still, one of the two is redundant where they overlap. Narrow one so each value is matched once."
} wrong: "match applicant.age {\n  < 30 => 1\n  < 25 => 1\n  >= 30 => 2\n}"
  fixed: "match applicant.age {\n  < 30 => 1\n  >= 30 => 2\n}"

W0515 "containment across different guards cannot be decided" {
"A level limits a path only under guards (`… when applicant.segment == micro`) that differ from those of the level above it, so whether it stays within that level's limits in every case cannot be decided: guards are compared by their text, not by what they mean. Where none of its guards holds, the level is unlimited on the path. Give it an unguarded limit within the parent's, or the same guards as the parent."
} wrong: "level city { applicant.loan.amount <= 100_000 CNY when applicant.segment == micro }\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"
  fixed: "level city {\n  applicant.loan.amount <= 200_000 CNY\n  applicant.loan.amount <= 100_000 CNY when applicant.segment == micro\n}\nlevel provincial above city { applicant.loan.amount <= 1_000_000 CNY }"

W0530 "effective range no test reaches" {
"A rule, credit limit or const version has an `effective` range, and none of the policy's tests has an `as_of` in it: nothing shows that the policy decides as intended while it is in force (for a const version: that the version is ever used). Add a test with `as_of` inside the range. Only policies that have tests get this warning."
} wrong: "const max_dti: Decimal = 45% effective 2027-01-01 ..\n// every test has as_of 2026-11-22"
  fixed: "test \"the 2027 ratio\" { given applicant = base as_of 2027-01-01 expect decline [A03] }"
// ------------------------------------------------------------------ bundles
@Bundles
B0701 "bundle truncated or corrupt" {
"The bundle file is not a whole tar archive: it is empty, cut short (a copy or download that stopped), or not a bundle at all. Nothing of it is used. Make the bundle again with `polc bundle`, or copy it again and compare its sha256 with the original's."
} wrong: "polc run --bundle half-copied.polb --input a.jsonl"
  fixed: "polc run --bundle consumer_loan.polb --input a.jsonl"

B0702 "bundle manifest missing or malformed" {
"A bundle holds `manifest.json`, the list of its files with their sizes and sha256, written by `polc bundle`. It is missing, is not a manifest this polc reads (another format version), or names a policy or list file it does not list. A tar archive made by hand is not a bundle: make one with `polc bundle POLICY -o B.polb`."
} wrong: "tar cf p.polb policies/"
  fixed: "polc bundle policies/consumer_loan.pol -o p.polb"

B0703 "bundled file does not match the manifest" {
"A file of the bundle does not have the size and sha256 the manifest gives it (the message names the file): it was changed after the bundle was made, or the archive was damaged. A changed policy or list is never used. Make the bundle again from the approved files."
} wrong: "# lists/fraud_ids.txt edited inside consumer_loan.polb after bundling"
  fixed: "polc bundle policies/consumer_loan.pol -o consumer_loan.polb"

B0704 "bundle signature does not verify" {
"The bundle's ed25519 signature over its manifest does not verify with the public key given: the manifest or the signature was changed, or the bundle was signed with another key (the message names the signer's public key when the manifest records it). Check that `--public-key` is the approver's key; otherwise the bundle is not the one approved."
} wrong: "polc run --bundle p.polb --public-key someone-else.pub --input a.jsonl"
  fixed: "polc run --bundle p.polb --public-key risk-committee.pub --input a.jsonl"

B0705 "unsigned bundle where a signature is required" {
"A public key was given, so the bundle must be signed, and it is not (it has no `manifest.sig`). An unsigned bundle is never accepted in place of a signed one. Sign it when making it: `polc bundle POLICY -o B.polb --sign-key KEY`."
} wrong: "polc bundle p.pol -o p.polb\npolc run --bundle p.polb --public-key committee.pub --input a.jsonl"
  fixed: "polc bundle p.pol -o p.polb --sign-key committee.key\npolc run --bundle p.polb --public-key committee.pub --input a.jsonl"

B0706 "file in the bundle not in its manifest" {
"The archive holds an entry its manifest does not list. Every file of a bundle is listed with its hash, so that what is signed is all that is there; an extra entry means the archive was changed after it was made."
} wrong: "tar rf p.polb extra_rules.pol"
  fixed: "polc bundle p.pol -o p.polb"

B0707 "manifest file missing from the bundle" {
"The manifest lists a file (the message names it) that the archive does not hold: the archive was cut down or changed after it was made."
} wrong: "tar --delete -f p.polb policy/lists/fraud_ids.txt"
  fixed: "polc bundle p.pol -o p.polb"

B0708 "unsafe entry in the bundle" {
"An archive entry is a symbolic or hard link, a directory or device, a path that is absolute or climbs out with `..` (`../etc/cron.d/x`, `/etc/passwd`), or is given twice. polc never writes a bundle's files to disk, and refuses such an archive outright: bundles made by `polc bundle` hold plain files at plain relative paths only."
} wrong: "policy/../../etc/passwd"
  fixed: "policy/lists/fraud_ids.txt"

B0709 "bundle entry too large" {
"An entry of the bundle is larger than the limit (1 GiB by default, the default `--max-list-bytes`), or the archive holds more than 4096 entries. The entry is not read. A bundle this large is not a policy's: check the file."
} wrong: "a bundle entry of 5 GiB"
  fixed: "a bundle of the policy, its modules and its lists"

B0710 "malformed bundle key" {
"A key file of `--sign-key` or `--public-key` holds the key as 64 hexadecimal digits (32 bytes; `#` comment lines are allowed), as `polc bundle keygen` writes it: the secret key file the 32-byte ed25519 seed, the public key file the 32-byte public key."
} wrong: "-----BEGIN PUBLIC KEY-----"
  fixed: "# polc bundle public key (ed25519)\n3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"
}
