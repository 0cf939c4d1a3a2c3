//! `polc import pmml`: a PMML 4.x `Scorecard` model as `.pol` scorecard text
//! (§11). What cannot be translated is an error naming the PMML element (P0017–P0019).
//!
//! | PMML | `.pol` |
//! |---|---|
//! | `Scorecard@modelName`, `Header@description` | `scorecard NAME "title"` |
//! | `initialScore` | `base N` |
//! | `OutputField feature="reasonCode"` (how many) | `reasons N` |
//! | `Characteristic@name`, `reasonCode`, `baselineScore` | `characteristic SUBJECT "label" reason CODE baseline N` |
//! | `Attribute@partialScore` and its predicate | a bin `PATTERN => N` |
//! | `MiningField@missingValueReplacement` | the subject `FIELD ?? VALUE` |
//!
//! PMML takes the first attribute that matches; `.pol` bins are unique, so each
//! bin is written as what its predicate matches *less what the bins before it
//! matched* (`< 25`, `< 35` become `< 25`, `25 ..< 35`).

mod bins;
mod predicate;

use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::{FileId, Span};
use bins::{Interval, Pattern, Scale};
use roxmltree::{Document, Node};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::ops::Range;
use std::str::FromStr;
use unicode_width::UnicodeWidthStr;

/// How to write the scorecards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PmmlOptions {
    /// The scorecard's name (default: the model's `modelName`).
    pub name: Option<String>,
    /// Written before each field name in subjects: `applicant` makes field
    /// `age` the subject `applicant.age`.
    pub prefix: Option<String>,
    /// Fields that are `Money` in the policy: their bounds get ` CNY`.
    pub money: Vec<String>,
    /// Fields that are `Int` in the policy although the PMML calls them
    /// `double` (optbinning cuts an age at `21.5`): their bounds become the
    /// whole numbers that decide the same (`< 21.5` is `< 22`).
    pub int: Vec<String>,
    /// The PMML file's name, for the comment at the top.
    pub source: Option<String>,
}

/// Something in the PMML that has no `.pol` translation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: <{element}>: {message}")]
pub struct PmmlError {
    /// P0017 (not a readable PMML scorecard), P0018 (no `.pol` translation),
    /// P0019 (a bin that never matches).
    pub code: Code,
    /// 1-based.
    pub line: u32,
    /// The element as written in the PMML, with its telling attributes
    /// (`SimplePredicate field="age" operator="notEqual"`).
    pub element: String,
    /// What is wrong, in one line.
    pub message: String,
    /// What to do about it, when known.
    pub help: Option<String>,
    /// The bytes of the PMML text to point at: the attribute at fault, or the element's name.
    pub range: Range<usize>,
}

impl PmmlError {
    /// The error as a diagnostic in `file` (the PMML text, added to a source map).
    pub fn diagnostic(&self, file: FileId) -> Diagnostic {
        let span = Span::new(file, self.range.start, self.range.end);
        Diagnostic::error(self.code, self.message.clone())
            .at(span, format!("in `<{}>`", self.element))
            .maybe_help(self.help.clone())
    }
}

/// The `Scorecard` models of a PMML document as `.pol` text, or every problem.
pub fn scorecards_from_pmml(xml: &str, options: &PmmlOptions) -> Result<String, Vec<PmmlError>> {
    let parsing = roxmltree::ParsingOptions { allow_dtd: false, nodes_limit: 1_000_000 };
    let doc = Document::parse_with_options(xml, parsing).map_err(|e| vec![not_xml(xml, &e)])?;
    let root = doc.root_element();
    let mut converter = Converter { doc: &doc, options, errors: Vec::new(), fields: HashMap::new(), codes: Vec::new() };
    if root.tag_name().name() != "PMML" {
        let name = root.tag_name().name();
        converter.fail(Code::P0017, root, None, format!("the document is a `{name}`, not a PMML document"), None);
        return Err(converter.errors);
    }
    let version = root.attribute("version").unwrap_or("");
    if !version.starts_with("4.") {
        let message = format!("PMML version `{version}`: only PMML 4.x is read");
        converter.fail(Code::P0017, root, Some("version"), message, Some("export the model as PMML 4.4"));
    }
    converter.dictionary(root);
    let description = child(root, "Header").and_then(|h| h.attribute("description"));
    let models: Vec<Node> = elements(root, "Scorecard").collect();
    let mut cards = Vec::new();
    if models.is_empty() {
        let nested = root.descendants().any(|n| n.is_element() && n.tag_name().name() == "Scorecard");
        let message = match nested {
            true => "the scorecards are inside another model (a `MiningModel`'s segments): only a top-level `Scorecard` is read",
            false => "there is no `Scorecard` model in this document",
        };
        converter.fail(Code::P0017, root, None, message.into(), None);
    }
    if models.len() > 1 && options.name.is_some() {
        let message = "`--name` names one scorecard, but the document has several".to_string();
        converter.fail(Code::P0017, root, None, message, Some("leave out `--name`: each gets its `modelName`"));
    }
    for model in models {
        if let Some(text) = converter.scorecard(model, description) {
            cards.push(text);
        }
    }
    if !converter.errors.is_empty() {
        return Err(converter.errors);
    }
    let from = options.source.as_deref().map(|s| format!(" from {s}")).unwrap_or_default();
    let text = format!("// generated by `polc import pmml`{from} (PMML {version})\n{}", cards.join("\n"));
    Ok(canonical(text))
}

/// `text` as `polc fmt` lays it out, so that an imported scorecard is formatted
/// already. The text is written in that layout in the first place (one bin a
/// line, the `=>` aligned); the formatter has the last word on the details.
/// INVARIANT: the text parses (tests/pmml.rs holds the two equal); were it ever
/// not to, it is returned as written, and `polc check` names the problem.
fn canonical(text: String) -> String {
    crate::syntax::format::format(&text).unwrap_or(text)
}

/// A document that does not parse, at the place the parser stopped.
fn not_xml(xml: &str, error: &roxmltree::Error) -> PmmlError {
    let pos = error.pos();
    let mut start = offset_of(xml, pos.row, pos.col);
    let mut end = xml.get(start..).and_then(|t| t.chars().next()).map_or(start, |c| start + c.len_utf8());
    let mut line = pos.row;
    let (element, message, help) = match error {
        roxmltree::Error::DtdDetected => {
            // the parser stops at the start: point at the declaration itself
            if let Some(at) = xml.find("<!DOCTYPE") {
                (start, end) = (at, at + "<!DOCTYPE".len());
                line = u32::try_from(xml.get(..at).map_or(0, |t| t.matches('\n').count()) + 1).unwrap_or(u32::MAX);
            }
            let message = "the document has a DTD (`<!DOCTYPE …>`), which is not read".to_string();
            let help = "remove the `<!DOCTYPE …>`: PMML needs none, and its entities could expand without bound";
            ("!DOCTYPE", message, Some(help.into()))
        }
        e => ("PMML", format!("not well-formed XML: {e}"), None),
    };
    PmmlError { code: Code::P0017, line, element: element.into(), message, help, range: start..end }
}

/// The byte offset of 1-based `row` and character column `col` in `text`.
fn offset_of(text: &str, row: u32, col: u32) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(row.saturating_sub(1) as usize).map(str::len).sum();
    let line = text.get(line_start..).unwrap_or("");
    let within: usize = line.chars().take(col.saturating_sub(1) as usize).map(char::len_utf8).sum();
    (line_start + within).min(text.len())
}

/// The child elements of `node` called `name`.
fn elements<'a, 'i: 'a>(node: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.is_element() && n.tag_name().name() == name)
}

/// The first child element of `node` called `name`.
fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children().find(|n| n.is_element() && n.tag_name().name() == name)
}

/// What the `DataDictionary` and `MiningSchema` say of one field.
#[derive(Clone, Debug, Default)]
struct Field {
    scale: Option<Scale>,
    /// `missingValueReplacement`: PMML scores a missing value as this one.
    replacement: Option<String>,
    /// The `MiningField` that gives it, to point at.
    replaced_by: Option<roxmltree::NodeId>,
}

struct Converter<'d, 'i> {
    doc: &'d Document<'i>,
    options: &'d PmmlOptions,
    errors: Vec<PmmlError>,
    /// Each `DataField` by name.
    fields: HashMap<String, Field>,
    /// The reason codes of the scorecard being read, in the characteristics' order.
    codes: Vec<String>,
}

/// One bin as read: what it matches, its points, and its predicate (for errors).
type Row<'a, 'i> = (Pattern, i64, Node<'a, 'i>);

impl<'a, 'i> Converter<'a, 'i> {
    /// Records a problem at `node`, pointing at its `attribute` when given (else at its name).
    fn fail(&mut self, code: Code, node: Node, attribute: Option<&str>, message: String, help: Option<&str>) {
        let line = self.doc.text_pos_at(node.range().start).row;
        let name = node.tag_name().name();
        // the attributes that tell one element from its neighbours
        let telling = ["name", "field", "operator", "booleanOperator"].iter();
        let telling = telling.filter_map(|a| node.attribute(*a).map(|v| format!(" {a}=\"{v}\"")));
        let element = format!("{name}{}", telling.collect::<String>());
        let at = attribute.and_then(|a| node.attributes().find(|x| x.name() == a)).map(|a| a.range());
        let range = at.unwrap_or_else(|| {
            // `<prefix:Name`: the name as written after `<`
            let start = node.range().start + 1;
            let text = self.doc.input_text().get(start..).unwrap_or("");
            let len = text.find(|c: char| c.is_whitespace() || c == '/' || c == '>').unwrap_or(text.len());
            start..start + len
        });
        self.errors.push(PmmlError { code, line, element, message, help: help.map(str::to_string), range });
    }

    fn dictionary(&mut self, root: Node) {
        let Some(dictionary) = child(root, "DataDictionary") else { return };
        for field in elements(dictionary, "DataField") {
            let Some(name) = field.attribute("name") else { continue };
            let scale = match (field.attribute("optype"), field.attribute("dataType")) {
                (Some("categorical" | "ordinal"), _) | (_, Some("string" | "boolean")) => Scale::Categorical,
                (_, Some("integer")) => Scale::Discrete,
                _ => Scale::Dense,
            };
            self.fields.insert(name.to_string(), Field { scale: Some(scale), ..Field::default() });
        }
    }

    /// The model's `MiningSchema` replacements of missing values.
    fn mining_schema(&mut self, model: Node) {
        for field in elements(model, "MiningSchema").flat_map(|s| elements(s, "MiningField")) {
            let (Some(name), Some(value)) = (field.attribute("name"), field.attribute("missingValueReplacement"))
            else {
                continue;
            };
            let entry = self.fields.entry(name.to_string()).or_default();
            entry.replacement = Some(value.to_string());
            entry.replaced_by = Some(field.id());
        }
    }

    /// The scale of `field` from the `DataDictionary`, or an error at `node`.
    fn scale(&mut self, field: &str, node: Node) -> Option<Scale> {
        let scale = self.fields.get(field).and_then(|f| f.scale);
        let Some(scale) = scale else {
            let message = format!("field `{field}` is not in the `DataDictionary`");
            let help = "declare it with its `dataType` (`integer`, `double`, `string`): the bins' bounds depend on it";
            self.fail(Code::P0017, node, Some("field"), message, Some(help));
            return None;
        };
        if !self.options.int.iter().any(|f| f == field) {
            return Some(scale);
        }
        // `--int`: the policy holds whole numbers, so a cut at 21.5 decides as one at 22
        if scale == Scale::Categorical {
            let message = format!("`--int {field}` names a categorical field: its values are not numbers");
            let help = "leave the field out of `--int`";
            self.fail(Code::P0018, node, Some("field"), message, Some(help));
            return None;
        }
        Some(Scale::Discrete)
    }

    /// A whole number attribute of `node` (`initialScore="520"`, `"40.0"`):
    /// `None` on error, `Some(None)` when absent.
    fn whole(&mut self, node: Node, attribute: &str) -> Option<Option<i64>> {
        let Some(text) = node.attribute(attribute) else { return Some(None) };
        let whole =
            Decimal::from_str(text.trim()).ok().filter(|d| d.fract().is_zero()).and_then(|d| i64::try_from(d).ok());
        if whole.is_none() {
            let message = format!("`{attribute}=\"{text}\"` is not a whole number: `.pol` points are whole numbers");
            let help = "scale the model so that every score is whole (points ×10 and every cut-off ×10)";
            self.fail(Code::P0018, node, Some(attribute), message, Some(help));
            return None;
        }
        Some(whole)
    }

    fn scorecard(&mut self, model: Node<'a, 'i>, description: Option<&str>) -> Option<String> {
        let name = match (&self.options.name, model.attribute("modelName")) {
            (Some(name), _) => name.clone(),
            (None, Some(name)) => name.to_string(),
            (None, None) => String::new(),
        };
        if !bins::is_identifier(&name) {
            let shown = if name.is_empty() { "no `modelName`".to_string() } else { format!("the name `{name}`") };
            let message = format!("{shown} cannot name a `.pol` scorecard");
            let help = "give one with `--name NAME` (letters, digits and `_`)";
            self.fail(Code::P0018, model, Some("modelName"), message, Some(help));
        }
        if model.attribute("isScorable") == Some("false") {
            let message = "the model says it cannot score (`isScorable=\"false\"`)".to_string();
            self.fail(Code::P0018, model, Some("isScorable"), message, None);
        }
        if model.attribute("reasonCodeAlgorithm").is_some_and(|a| a != "pointsBelow") {
            let message = "only `pointsBelow` reason codes have a `.pol` meaning".to_string();
            let help = "`.pol` reasons are the points lost below each baseline (`reasonCodeAlgorithm=\"pointsBelow\"`)";
            self.fail(Code::P0018, model, Some("reasonCodeAlgorithm"), message, Some(help));
        }
        self.mining_schema(model);
        let use_reasons = model.attribute("useReasonCodes") != Some("false");
        let base = self.whole(model, "initialScore")?.unwrap_or(0);
        let model_baseline = self.whole(model, "baselineScore")?;
        // how many reason codes the model reports: its reason-code output fields
        let outputs = child(model, "Output").into_iter().flat_map(|o| o.children());
        let ranked = outputs.filter(|f| f.attribute("feature") == Some("reasonCode")).count();
        let reasons = match (use_reasons, ranked) {
            (false, _) => " reasons 0".to_string(),
            (true, 0) => String::new(),
            (true, n) => format!(" reasons {n}"),
        };
        let title = description.map(|d| format!(" {}", bins::quoted(d))).unwrap_or_default();
        let mut body = String::new();
        let Some(characteristics) = child(model, "Characteristics") else {
            self.fail(Code::P0017, model, None, "the model has no `Characteristics`".into(), None);
            return None;
        };
        let mut ok = true;
        self.codes.clear();
        for (number, characteristic) in elements(characteristics, "Characteristic").enumerate() {
            match self.characteristic(characteristic, model_baseline, use_reasons, number + 1) {
                Some(text) => body.push_str(&text),
                None => ok = false,
            }
        }
        // PMML evaluators (JPMML) rank characteristics that lost the same points in the
        // document's order; `.pol` by reason code (§11). They agree when the codes ascend.
        let note = match use_reasons && !self.codes.is_sorted() {
            true => {
                "// note: the reason codes are not in the characteristics' order: where two lose the same points,\n\
                     // `.pol` reports the lower code first (§11), a PMML evaluator the earlier characteristic\n"
            }
            false => "",
        };
        let out = format!("{note}scorecard {name}{title} base {base}{reasons} {{\n{body}}}\n");
        ok.then_some(out)
    }

    fn characteristic(
        &mut self,
        node: Node<'a, 'i>,
        model_baseline: Option<i64>,
        use_reasons: bool,
        number: usize,
    ) -> Option<String> {
        let errors_before = self.errors.len();
        let attributes: Vec<Node> = elements(node, "Attribute").collect();
        let code = self.reason_code(node, &attributes, use_reasons, number)?;
        self.codes.push(code.clone());
        let baseline = match (self.whole(node, "baselineScore")?, model_baseline) {
            (Some(b), _) | (None, Some(b)) => b,
            (None, None) if !use_reasons => 0,
            (None, None) => {
                let message = "no `baselineScore` here or on the `Scorecard`: reasons need a baseline".to_string();
                self.fail(Code::P0017, node, None, message, None);
                return None;
            }
        };
        let (field, first, rows) = self.rows(node, &attributes)?;
        let scale = self.scale(&field, first)?;
        let replacement = self.fields.get(&field).and_then(|f| f.replacement.clone());
        let suffix = if self.options.money.contains(&field) { " CNY" } else { "" };
        let mut subject = self.subject(&field, first)?;
        if let Some(value) = &replacement {
            let by = self.fields.get(&field).and_then(|f| f.replaced_by).and_then(|id| self.doc.get_node(id));
            subject = self.replaced(subject, value, scale, suffix, by.unwrap_or(first))?;
        }
        let label = node.attribute("name").map(|n| format!(" {}", bins::quoted(n))).unwrap_or_default();
        let mut bins = Vec::new();
        for (pattern, points, predicate) in self.unique(rows, scale, replacement.is_some()) {
            match bins::written(&pattern, scale, suffix) {
                Some(text) => bins.push((text, points)),
                None => {
                    let message = "a range open at its lower end (`greaterThan` with an upper bound) has no `.pol` pattern on a decimal field".to_string();
                    let help = "if the field holds whole numbers, declare it `dataType=\"integer\"` or give `--int FIELD`; else cut the bins with `greaterOrEqual`/`lessThan`";
                    self.fail(Code::P0018, predicate, None, message, Some(help));
                }
            }
        }
        if self.errors.len() != errors_before {
            return None;
        }
        // as `polc fmt` lays a table out: one bin a line, the `=>` aligned
        let width = bins.iter().map(|(text, _)| text.width()).max().unwrap_or(0);
        let mut out = format!("  characteristic {subject}{label} reason {code} baseline {baseline} {{\n");
        for (text, points) in bins {
            let fill = " ".repeat(width - text.width());
            let _ = writeln!(out, "    {text}{fill} => {points}");
        }
        out.push_str("  }\n");
        Some(out)
    }

    /// The bins of a characteristic with the field they are on and its first predicate.
    fn rows(
        &mut self,
        node: Node<'a, 'i>,
        attributes: &[Node<'a, 'i>],
    ) -> Option<(String, Node<'a, 'i>, Vec<Row<'a, 'i>>)> {
        let mut field: Option<(String, Node)> = None;
        let mut rows = Vec::new();
        let mut ok = true;
        for &attribute in attributes {
            let Some(points) = self.whole(attribute, "partialScore") else {
                ok = false;
                continue;
            };
            let Some(points) = points else {
                let (code, why) = match child(attribute, "ComplexPartialScore") {
                    Some(_) => (Code::P0018, "a `ComplexPartialScore` (points computed from the value)"),
                    None => (Code::P0017, "no `partialScore`"),
                };
                let message = format!("{why}: `.pol` bins give fixed points");
                self.fail(code, attribute, None, message, Some("give each bin a `partialScore`"));
                ok = false;
                continue;
            };
            let predicate = attribute
                .children()
                .find(|n| n.is_element() && !matches!(n.tag_name().name(), "Extension" | "ComplexPartialScore"));
            let Some(predicate) = predicate else {
                self.fail(Code::P0017, attribute, None, "the attribute has no predicate".into(), None);
                ok = false;
                continue;
            };
            let Some((pattern, on)) = self.predicate(predicate) else {
                ok = false;
                continue;
            };
            if let Some(on) = on {
                match &field {
                    Some((name, _)) if *name != on => {
                        let message = format!("this bin is on field `{on}`, the ones before on `{name}`");
                        let help = "a characteristic has one subject: split it into one characteristic a field";
                        self.fail(Code::P0018, predicate, Some("field"), message, Some(help));
                        ok = false;
                        continue;
                    }
                    Some(_) => {}
                    None => field = Some((on, predicate)),
                }
            }
            rows.push((pattern, points, predicate));
        }
        let Some((field, first)) = field else {
            if ok {
                let message = "no bin names a field: the characteristic has no subject".to_string();
                self.fail(Code::P0018, node, None, message, None);
            }
            return None;
        };
        ok.then_some((field, first, rows))
    }

    /// The characteristic's reason code: its own, or the one all its attributes share.
    fn reason_code(&mut self, node: Node, attributes: &[Node], use_reasons: bool, number: usize) -> Option<String> {
        let mut code = node.attribute("reasonCode").map(str::to_string);
        let mut at = node;
        for attribute in attributes {
            let Some(theirs) = attribute.attribute("reasonCode") else { continue };
            match &code {
                Some(code) if code != theirs => {
                    let message = format!("reason code `{theirs}` on this bin, `{code}` before it");
                    let help = "a `.pol` characteristic has one reason code: give every bin the same one";
                    self.fail(Code::P0018, *attribute, Some("reasonCode"), message, Some(help));
                    return None;
                }
                Some(_) => {}
                None => {
                    code = Some(theirs.to_string());
                    at = *attribute;
                }
            }
        }
        match code {
            Some(code) if bins::is_identifier(&code) => Some(code),
            Some(code) => {
                let message = format!("reason code `{code}` is not a `.pol` name");
                let help = "rename it in the PMML: letters, digits and `_`, not starting with a digit";
                self.fail(Code::P0018, at, Some("reasonCode"), message, Some(help));
                None
            }
            // without reasons the codes are never reported: number them
            None if !use_reasons => Some(format!("S{number:02}")),
            None => {
                let message = "no `reasonCode`: with `useReasonCodes` every characteristic needs one".to_string();
                self.fail(Code::P0017, node, None, message, None);
                None
            }
        }
    }

    /// `field` (with the prefix) as a `.pol` path.
    fn subject(&mut self, field: &str, at: Node) -> Option<String> {
        let path = match &self.options.prefix {
            Some(prefix) => format!("{prefix}.{field}"),
            None => field.to_string(),
        };
        if path.split('.').all(bins::is_identifier) {
            return Some(path);
        }
        let message = format!("field `{field}` is not a `.pol` name or path");
        self.fail(Code::P0018, at, Some("field"), message, Some("rename it in the PMML: letters, digits and `_`"));
        None
    }

    /// `subject ?? value`: PMML scores a missing value as its replacement
    /// (errors point at the `MiningField`, `at`).
    fn replaced(&mut self, subject: String, value: &str, scale: Scale, suffix: &str, at: Node) -> Option<String> {
        match Decimal::from_str(value.trim()) {
            Ok(n) if scale == Scale::Discrete && !n.fract().is_zero() => {
                let message = format!("the `MiningField`'s `missingValueReplacement=\"{value}\"` is not a whole number, and the field holds whole numbers");
                let help = "replace a missing value by a whole number, or give it a bin of its own (`isMissing`)";
                self.fail(Code::P0018, at, Some("missingValueReplacement"), message, Some(help));
                None
            }
            Ok(n) if scale != Scale::Categorical => Some(format!("{subject} ?? {}{suffix}", bins::number(n))),
            _ => {
                let message = format!("the `MiningField`'s `missingValueReplacement=\"{value}\"` on a field that is not a number has no `.pol` translation");
                let help = "drop the replacement and give the missing value a bin of its own (`isMissing`)";
                self.fail(Code::P0018, at, Some("missingValueReplacement"), message, Some(help));
                None
            }
        }
    }

    /// The bins in PMML order, each less what the bins before it match.
    fn unique(&mut self, rows: Vec<Row<'a, 'i>>, scale: Scale, replaced: bool) -> Vec<Row<'a, 'i>> {
        let mut taken_intervals: Vec<Interval> = Vec::new();
        let mut taken_values: Vec<String> = Vec::new();
        let (mut missing, mut any) = (false, false);
        let mut out = Vec::new();
        for (pattern, points, node) in rows {
            let never = |converter: &mut Self, why: &str| {
                let help = "remove the bin, or move it before the bins that take its values";
                converter.fail(Code::P0019, node, None, format!("this bin never matches: {why}"), Some(help));
            };
            if any {
                never(self, "an earlier `<True/>` takes every value");
                continue;
            }
            let pattern = match pattern {
                Pattern::Never => {
                    never(self, "no value meets all of its predicate");
                    continue;
                }
                Pattern::Any => {
                    any = true;
                    Pattern::Any
                }
                Pattern::Missing if replaced => {
                    never(self, "the `MiningField` replaces a missing value before the bins see it");
                    continue;
                }
                Pattern::Missing if missing => {
                    never(self, "an earlier bin takes the missing value");
                    continue;
                }
                Pattern::Missing => {
                    missing = true;
                    Pattern::Missing
                }
                Pattern::Values(values) => {
                    let left: Vec<String> = values.into_iter().filter(|v| !taken_values.contains(v)).collect();
                    if left.is_empty() {
                        never(self, "earlier bins take every one of its values");
                        continue;
                    }
                    taken_values.extend(left.iter().cloned());
                    Pattern::Values(left)
                }
                Pattern::Interval(interval) => {
                    let mut pieces = vec![interval.normalized(scale)];
                    for taken in &taken_intervals {
                        pieces = pieces.into_iter().flat_map(|p| p.minus(*taken, scale)).collect();
                    }
                    match pieces.as_slice() {
                        [piece] => {
                            taken_intervals.push(*piece);
                            Pattern::Interval(*piece)
                        }
                        [] => {
                            never(self, "earlier bins take every value of its range");
                            continue;
                        }
                        _ => {
                            let message =
                                "less what earlier bins take, this range falls in two pieces: one bin cannot say that"
                                    .to_string();
                            let help = "split the bin in two in the PMML, one for each piece";
                            self.fail(Code::P0018, node, None, message, Some(help));
                            continue;
                        }
                    }
                }
            };
            out.push((pattern, points, node));
        }
        out
    }
}

#[cfg(test)]
mod tests;
