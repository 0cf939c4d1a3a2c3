//! Decisions as a table: one row per verdict, the decision line's keys
//! flattened into columns with dotted names (`offer.amount`,
//! `outputs.max_term`, `scores.bureau.score`), in the line's order. The
//! columns are fixed by the policy (its scorecards, outputs and lists), so
//! every batch of a run has one schema, known before the first record.
//!
//! | column | Arrow type | on |
//! |---|---|---|
//! | `id` | Utf8 | the record's id, when known |
//! | `decision` | Utf8 | every row: approve, refer, decline, error |
//! | `line` | UInt64 | error rows: the record's 1-based row |
//! | `level`, `refer_to` | Utf8 | approvals, referrals |
//! | `reasons` | List<Utf8> | decided rows |
//! | `scores.NAME.score`, `scores.NAME.reasons` | Int64, List<Utf8> | decided rows |
//! | `offer.amount`, `offer.adjustments` | Utf8 (two decimals), List<Utf8> | counter-offers |
//! | `outputs.NAME` | Boolean, Int64 or Utf8 (exact text) | decided rows |
//! | `error.rule`, `error.path`, `error.message` | Utf8 | error rows |
//! | `as_of`, `policy`, `version`, `policy_hash`, `lists.NAME` | Utf8, or Dictionary<Int32, Utf8> | every row |
//!
//! The stamp columns (`as_of` to `lists.NAME`) have one value on every row of a
//! run: in the Arrow tables of [`crate::Batch::decide_batch`] they are
//! dictionary arrays of that one value (one string, a zero key a row); in the
//! CSV and Parquet files of `polc run` plain text ([`DecisionColumns::new`]).
//!
//! [`DecisionRows`] encodes the columns straight from the engine's decisions, as
//! `polc run` writes a line from a decision; [`DecisionColumns::encode`] encodes
//! verdicts (a decision with its strings owned), for the JSON Lines reader.
//!
//! In CSV a list is its JSON text (`["A01","A03"]`) and an absent value an empty cell.

use crate::base::types::Type;
use crate::eval::{Decision, Outcome};
use crate::io::output::output_value;
use crate::io::verdict::{OutputValue, Verdict};
use crate::ir::Program;
use crate::value::Value;
use arrow_array::builder::{
    BooleanBuilder, Int64Builder, ListBuilder, StringBuilder, StringDictionaryBuilder, UInt64Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, DictionaryArray, Int32Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::fmt::Write as _;
use std::sync::Arc;

/// The decision columns of one policy (see the module documentation).
#[derive(Clone, Debug)]
pub struct DecisionColumns {
    columns: Vec<Column>,
    schema: SchemaRef,
    /// The stamp columns as dictionary arrays (else plain text).
    dictionary: bool,
    /// Each scorecard's slot among the score columns (by name), by its index in the program.
    card_slots: Vec<Option<usize>>,
    /// The score columns' scorecards.
    cards: usize,
    /// Each output column's output (its index in the program) and kind, in column order.
    outputs: Vec<(usize, OutputKind)>,
    /// Whether there are offer columns.
    offer: bool,
}

/// Where a column's values come from in a verdict.
#[derive(Clone, Debug)]
enum Column {
    Id,
    Decision,
    Line,
    Level,
    ReferTo,
    Reasons,
    Score(String),
    ScoreReasons(String),
    OfferAmount,
    OfferAdjustments,
    Output(String, OutputKind),
    ErrorRule,
    ErrorPath,
    ErrorMessage,
    AsOf,
    Policy,
    Version,
    PolicyHash,
    List(String),
}

#[derive(Clone, Copy, Debug)]
enum OutputKind {
    Bool,
    Int,
    Text,
}

impl DecisionColumns {
    /// The columns of `program`'s decisions, with a `lists.NAME` column for
    /// each of `lists` (the bound lists' names).
    pub fn new<'a>(program: &Program, lists: impl IntoIterator<Item = &'a String>) -> DecisionColumns {
        let mut columns =
            vec![Column::Id, Column::Decision, Column::Line, Column::Level, Column::ReferTo, Column::Reasons];
        let mut cards: Vec<&str> = program
            .reported_scores
            .iter()
            .filter_map(|&i| program.scorecards.get(i))
            .map(|c| c.name.as_str())
            .collect();
        cards.sort_unstable();
        cards.dedup();
        for card in cards {
            columns.push(Column::Score(card.to_string()));
            columns.push(Column::ScoreReasons(card.to_string()));
        }
        if !program.credit_limits.is_empty() {
            columns.extend([Column::OfferAmount, Column::OfferAdjustments]);
        }
        let mut outputs: Vec<(usize, String, OutputKind)> = program
            .outputs
            .iter()
            .enumerate()
            .map(|(index, o)| {
                let kind = match o.expr.ty.unwrap_optional() {
                    Type::Bool => OutputKind::Bool,
                    Type::Int => OutputKind::Int,
                    _ => OutputKind::Text,
                };
                (index, o.name.clone(), kind)
            })
            .collect();
        // a line writes its outputs by name
        outputs.sort_by(|a, b| a.1.cmp(&b.1));
        let output_plan = outputs.iter().map(|(index, _, kind)| (*index, *kind)).collect();
        columns.extend(outputs.into_iter().map(|(_, name, kind)| Column::Output(name, kind)));
        columns.extend([Column::ErrorRule, Column::ErrorPath, Column::ErrorMessage]);
        columns.extend([Column::AsOf, Column::Policy, Column::Version, Column::PolicyHash]);
        columns.extend(lists.into_iter().map(|name| Column::List(name.clone())));
        let card_names: Vec<&str> = columns
            .iter()
            .filter_map(|c| if let Column::Score(card) = c { Some(card.as_str()) } else { None })
            .collect();
        let card_slots =
            program.scorecards.iter().map(|c| card_names.iter().position(|&name| name == c.name)).collect();
        let fields: Vec<Field> = columns.iter().map(|c| c.field(false)).collect();
        DecisionColumns {
            schema: Arc::new(Schema::new(fields)),
            dictionary: false,
            card_slots,
            cards: card_names.len(),
            outputs: output_plan,
            offer: !program.credit_limits.is_empty(),
            columns,
        }
    }

    /// The same columns with the stamp columns (`as_of`, `policy`, `version`,
    /// `policy_hash`, `lists.NAME`) as dictionary arrays: one string a batch,
    /// not one a row.
    pub fn with_dictionary_stamps(mut self) -> DecisionColumns {
        self.dictionary = true;
        let fields: Vec<Field> = self.columns.iter().map(|c| c.field(true)).collect();
        self.schema = Arc::new(Schema::new(fields));
        self
    }

    /// The schema of every decision batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// One row per verdict, in order.
    pub fn encode(&self, verdicts: &[Verdict]) -> Result<RecordBatch, ArrowError> {
        let arrays: Vec<ArrayRef> = self.columns.iter().map(|c| c.encode(verdicts, self.dictionary)).collect();
        RecordBatch::try_new(self.schema.clone(), arrays)
    }

    /// The names of the `lists.NAME` columns' lists, in column order.
    pub fn list_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.columns.iter().filter_map(|c| if let Column::List(name) = c { Some(name.as_str()) } else { None })
    }

    /// A decision batch of `rows` rows made of the pieces [`DecisionRows::finish`]
    /// gave (in order: the columns before the stamp), joined, and the stamp
    /// columns, whose values are `stamp` (`as_of`, `policy`, `version`,
    /// `policy_hash`, then a value for each of [`DecisionColumns::list_names`]).
    pub fn join(
        &self,
        mut pieces: Vec<Vec<ArrayRef>>,
        rows: usize,
        stamp: &[Option<&str>],
    ) -> Result<RecordBatch, ArrowError> {
        let stamps = self.columns.iter().filter(|c| c.is_stamp()).count();
        let own = self.columns.len().saturating_sub(stamps);
        let mut arrays: Vec<ArrayRef> = match pieces.len() {
            1 => pieces.pop().unwrap_or_default(),
            _ => (0..own)
                .map(|column| {
                    let parts: Vec<&dyn Array> =
                        pieces.iter().filter_map(|p| p.get(column)).map(|a| a.as_ref()).collect();
                    arrow_select::concat::concat(&parts)
                })
                .collect::<Result<_, _>>()?,
        };
        if arrays.len() != own {
            return Err(ArrowError::InvalidArgumentError(format!(
                "{} decision columns for {own} (a piece per batch, or more)",
                arrays.len()
            )));
        }
        arrays.reserve(stamps);
        if stamp.len() != stamps {
            return Err(ArrowError::InvalidArgumentError(format!(
                "{} stamp values for {stamps} stamp columns",
                stamp.len()
            )));
        }
        if self.dictionary {
            // one key buffer, all zeros, shared by every stamp column
            let keys = Int32Array::from(vec![0; rows]);
            for value in stamp {
                let values: ArrayRef = Arc::new(StringArray::from(vec![*value]));
                arrays.push(Arc::new(DictionaryArray::<Int32Type>::try_new(keys.clone(), values)?));
            }
        } else {
            for value in stamp {
                arrays.push(Arc::new(StringArray::from(vec![*value; rows])));
            }
        }
        RecordBatch::try_new(self.schema.clone(), arrays)
    }
}

/// The columns before the stamp of a run of decision rows, appended one row
/// at a time straight from the engine's decisions (no verdict, no owned
/// strings a row): what a worker encodes of its piece of a batch.
pub struct DecisionRows<'a> {
    program: &'a Program,
    columns: &'a DecisionColumns,
    id: StringBuilder,
    decision: StringBuilder,
    line: UInt64Builder,
    level: StringBuilder,
    refer_to: StringBuilder,
    reasons: ListBuilder<StringBuilder>,
    scores: Vec<(Int64Builder, ListBuilder<StringBuilder>)>,
    offer: Option<(StringBuilder, ListBuilder<StringBuilder>)>,
    outputs: Vec<OutputBuilder>,
    error_rule: StringBuilder,
    error_path: StringBuilder,
    error_message: StringBuilder,
    /// Per score column, the decision's score for it (reused a row).
    slots: Vec<Option<usize>>,
}

enum OutputBuilder {
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Text(StringBuilder),
}

impl<'a> DecisionRows<'a> {
    /// Room for `rows` rows of `columns`, the decision columns of `program`.
    pub fn new(program: &'a Program, columns: &'a DecisionColumns, rows: usize) -> DecisionRows<'a> {
        let text = |bytes: usize| StringBuilder::with_capacity(rows, rows * bytes);
        let list = || ListBuilder::with_capacity(StringBuilder::with_capacity(rows, rows * 4), rows);
        DecisionRows {
            program,
            columns,
            id: text(10),
            decision: text(7),
            line: UInt64Builder::with_capacity(rows),
            level: text(8),
            refer_to: text(0),
            reasons: list(),
            scores: (0..columns.cards).map(|_| (Int64Builder::with_capacity(rows), list())).collect(),
            offer: columns.offer.then(|| (text(10), list())),
            outputs: columns
                .outputs
                .iter()
                .map(|(_, kind)| match kind {
                    OutputKind::Bool => OutputBuilder::Bool(BooleanBuilder::with_capacity(rows)),
                    OutputKind::Int => OutputBuilder::Int(Int64Builder::with_capacity(rows)),
                    OutputKind::Text => OutputBuilder::Text(text(8)),
                })
                .collect(),
            error_rule: text(0),
            error_path: text(0),
            error_message: text(0),
            slots: vec![None; columns.cards],
        }
    }

    /// Appends the row of a decided record (`id`: its id, when it has one),
    /// as its decision line says it (`crate::io::output::verdict`).
    pub fn push_decision(&mut self, id: Option<&str>, decision: &Decision) {
        let program = self.program;
        self.id.append_option(id);
        self.line.append_null();
        let (word, level, refer_to) = match &decision.outcome {
            Outcome::Error { code, message, .. } => {
                self.decision.append_value("error");
                self.level.append_null();
                self.refer_to.append_null();
                self.undecided();
                self.error_rule.append_value(code);
                self.error_path.append_null();
                self.error_message.append_value(message);
                return;
            }
            Outcome::Approve { level } => ("approve", level_name(program, *level), None),
            Outcome::Refer { to } => ("refer", None, level_name(program, *to)),
            Outcome::Decline => ("decline", None, None),
        };
        self.decision.append_value(word);
        self.level.append_option(level);
        self.refer_to.append_option(refer_to);
        push_codes(&mut self.reasons, program, &decision.reasons);
        self.slots.iter_mut().for_each(|s| *s = None);
        for (index, score) in decision.scores.iter().enumerate() {
            // a later scorecard of the same name wins, as in the line's map of scores
            if let Some(slot) =
                self.columns.card_slots.get(score.card).copied().flatten().and_then(|s| self.slots.get_mut(s))
            {
                *slot = Some(index);
            }
        }
        for ((score_column, reasons_column), slot) in self.scores.iter_mut().zip(&self.slots) {
            match slot.and_then(|i| decision.scores.get(i)) {
                Some(score) => {
                    score_column.append_value(score.score);
                    let card = program.scorecards.get(score.card);
                    for code in card.map(|c| c.adverse_reasons(&score.points)).unwrap_or_default() {
                        reasons_column.values().append_value(code);
                    }
                    reasons_column.append(true);
                }
                None => {
                    score_column.append_null();
                    reasons_column.append_null();
                }
            }
        }
        if let Some((amount, adjustments)) = &mut self.offer {
            match &decision.offer {
                Some(offer) => {
                    let _ = write!(amount, "{}", offer.amount);
                    amount.append_value("");
                    push_codes(adjustments, program, &offer.adjustments);
                }
                None => {
                    amount.append_null();
                    adjustments.append_null();
                }
            }
        }
        for (builder, (index, _)) in self.outputs.iter_mut().zip(&self.columns.outputs) {
            let value = decision.outputs.get(*index);
            let ty = program.outputs.get(*index).map(|o| &o.expr.ty);
            match (builder, value) {
                (OutputBuilder::Bool(b), Some(Value::Bool(x))) => b.append_value(*x),
                (OutputBuilder::Bool(b), _) => b.append_null(),
                (OutputBuilder::Int(b), Some(Value::Int(x))) => b.append_value(*x),
                (OutputBuilder::Int(b), _) => b.append_null(),
                (OutputBuilder::Text(b), Some(value)) => push_output_text(b, program, ty, value),
                (OutputBuilder::Text(b), None) => b.append_null(),
            }
        }
        self.error_rule.append_null();
        self.error_path.append_null();
        self.error_message.append_null();
    }

    /// Appends the row of a record that could not be read: its id when
    /// known, its 1-based row `line`, the field (`path`) and what is wrong.
    pub fn push_record_error(&mut self, id: Option<&str>, line: u64, path: &str, message: &str) {
        self.id.append_option(id);
        self.decision.append_value("error");
        self.line.append_value(line);
        self.level.append_null();
        self.refer_to.append_null();
        self.undecided();
        self.error_rule.append_null();
        self.error_path.append_value(path);
        self.error_message.append_value(message);
    }

    /// Nulls for the columns of a decided row (reasons, scores, offer, outputs).
    fn undecided(&mut self) {
        self.reasons.append_null();
        for (score, reasons) in &mut self.scores {
            score.append_null();
            reasons.append_null();
        }
        if let Some((amount, adjustments)) = &mut self.offer {
            amount.append_null();
            adjustments.append_null();
        }
        for output in &mut self.outputs {
            match output {
                OutputBuilder::Bool(b) => b.append_null(),
                OutputBuilder::Int(b) => b.append_null(),
                OutputBuilder::Text(b) => b.append_null(),
            }
        }
    }

    /// The columns before the stamp, in order, for [`DecisionColumns::join`].
    pub fn finish(mut self) -> Vec<ArrayRef> {
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.decision.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.level.finish()),
            Arc::new(self.refer_to.finish()),
            Arc::new(self.reasons.finish()),
        ];
        for (score, reasons) in &mut self.scores {
            arrays.push(Arc::new(score.finish()));
            arrays.push(Arc::new(reasons.finish()));
        }
        if let Some((amount, adjustments)) = &mut self.offer {
            arrays.push(Arc::new(amount.finish()));
            arrays.push(Arc::new(adjustments.finish()));
        }
        for output in &mut self.outputs {
            arrays.push(match output {
                OutputBuilder::Bool(b) => Arc::new(b.finish()),
                OutputBuilder::Int(b) => Arc::new(b.finish()),
                OutputBuilder::Text(b) => Arc::new(b.finish()),
            });
        }
        arrays.push(Arc::new(self.error_rule.finish()));
        arrays.push(Arc::new(self.error_path.finish()));
        arrays.push(Arc::new(self.error_message.finish()));
        arrays
    }
}

/// The name of level `level` of the authority, when there is one.
fn level_name(program: &Program, level: Option<u32>) -> Option<&str> {
    let authority = program.authority.as_ref()?;
    authority.levels.get(level? as usize).map(|l| l.name.as_str())
}

/// Appends the list of the reason codes `codes` (indices into the program's codes).
fn push_codes(list: &mut ListBuilder<StringBuilder>, program: &Program, codes: &[u32]) {
    for code in codes.iter().filter_map(|&c| program.codes.get(c as usize)) {
        list.values().append_value(code);
    }
    list.append(true);
}

/// Appends a text output's value as its line writes it ([`output_value`]).
fn push_output_text(b: &mut StringBuilder, program: &Program, ty: Option<&Type>, value: &Value) {
    let ty = ty.map(Type::unwrap_optional);
    match (value, ty) {
        (Value::None, _) => b.append_null(),
        (Value::Str(s), _) => b.append_value(s.as_str()),
        (Value::Enum(v), Some(Type::Enum(e))) => b.append_value(program.schema.variant_name(*e, *v)),
        (Value::Date(d), _) => {
            let _ = write!(b, "{d}");
            b.append_value("");
        }
        _ => match ty.map(|ty| output_value(program, ty, value)) {
            Some(OutputValue::Text(t)) => b.append_value(t),
            Some(OutputValue::Int(i)) => {
                let _ = write!(b, "{i}");
                b.append_value("");
            }
            Some(OutputValue::Bool(x)) => b.append_value(if x { "true" } else { "false" }),
            Some(OutputValue::None) | None => b.append_null(),
        },
    }
}

impl Column {
    fn name(&self) -> String {
        match self {
            Column::Id => "id".into(),
            Column::Decision => "decision".into(),
            Column::Line => "line".into(),
            Column::Level => "level".into(),
            Column::ReferTo => "refer_to".into(),
            Column::Reasons => "reasons".into(),
            Column::Score(card) => format!("scores.{card}.score"),
            Column::ScoreReasons(card) => format!("scores.{card}.reasons"),
            Column::OfferAmount => "offer.amount".into(),
            Column::OfferAdjustments => "offer.adjustments".into(),
            Column::Output(name, _) => format!("outputs.{name}"),
            Column::ErrorRule => "error.rule".into(),
            Column::ErrorPath => "error.path".into(),
            Column::ErrorMessage => "error.message".into(),
            Column::AsOf => "as_of".into(),
            Column::Policy => "policy".into(),
            Column::Version => "version".into(),
            Column::PolicyHash => "policy_hash".into(),
            Column::List(name) => format!("lists.{name}"),
        }
    }

    /// Whether the column is one of the stamp's (one value a run).
    fn is_stamp(&self) -> bool {
        matches!(self, Column::AsOf | Column::Policy | Column::Version | Column::PolicyHash | Column::List(_))
    }

    fn field(&self, dictionary: bool) -> Field {
        let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
        if dictionary && self.is_stamp() {
            let ty = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
            return Field::new(self.name(), ty, matches!(self, Column::List(_)));
        }
        let (ty, nullable) = match self {
            Column::Decision | Column::AsOf | Column::Policy | Column::Version | Column::PolicyHash => {
                (DataType::Utf8, false)
            }
            Column::Line => (DataType::UInt64, true),
            Column::Score(_) | Column::Output(_, OutputKind::Int) => (DataType::Int64, true),
            Column::Output(_, OutputKind::Bool) => (DataType::Boolean, true),
            Column::Reasons | Column::ScoreReasons(_) | Column::OfferAdjustments => (list(), true),
            _ => (DataType::Utf8, true),
        };
        Field::new(self.name(), ty, nullable)
    }

    fn encode(&self, verdicts: &[Verdict], dictionary: bool) -> ArrayRef {
        let text = |f: &dyn Fn(&Verdict) -> Option<String>| -> ArrayRef {
            if dictionary && self.is_stamp() {
                let mut b = StringDictionaryBuilder::<Int32Type>::new();
                verdicts.iter().for_each(|v| b.append_option(f(v)));
                return Arc::new(b.finish());
            }
            let mut b = StringBuilder::with_capacity(verdicts.len(), verdicts.len() * 8);
            verdicts.iter().for_each(|v| b.append_option(f(v)));
            Arc::new(b.finish())
        };
        let list = |f: &dyn Fn(&Verdict) -> Option<Vec<String>>| -> ArrayRef {
            let mut b = ListBuilder::new(StringBuilder::new());
            for v in verdicts {
                match f(v) {
                    Some(items) => {
                        items.iter().for_each(|i| b.values().append_value(i));
                        b.append(true);
                    }
                    None => b.append(false),
                }
            }
            Arc::new(b.finish())
        };
        let codes = |c: &[crate::io::verdict::ReasonCode]| c.iter().map(|c| c.as_str().to_string()).collect();
        let decided = |v: &Verdict| v.decision != crate::io::verdict::Decision::Error;
        match self {
            Column::Id => text(&|v| v.id.clone()),
            Column::Decision => text(&|v| Some(v.decision.as_str().to_string())),
            Column::Line => {
                let mut b = UInt64Builder::with_capacity(verdicts.len());
                verdicts.iter().for_each(|v| b.append_option(v.line));
                Arc::new(b.finish())
            }
            Column::Level => text(&|v| v.level.as_ref().map(|l| l.as_str().to_string())),
            Column::ReferTo => text(&|v| v.refer_to.as_ref().map(|l| l.as_str().to_string())),
            Column::Reasons => list(&|v| decided(v).then(|| codes(&v.reasons))),
            Column::Score(card) => {
                let mut b = Int64Builder::with_capacity(verdicts.len());
                verdicts.iter().for_each(|v| b.append_option(v.scores.get(card).map(|s| s.score)));
                Arc::new(b.finish())
            }
            Column::ScoreReasons(card) => list(&|v| v.scores.get(card).map(|s| codes(&s.reasons))),
            Column::OfferAmount => text(&|v| v.offer.as_ref().map(|o| o.amount.to_string())),
            Column::OfferAdjustments => list(&|v| v.offer.as_ref().map(|o| codes(&o.adjustments))),
            Column::Output(name, kind) => {
                let value = |v: &Verdict| v.outputs.as_ref().and_then(|o| o.get(name)).cloned();
                match kind {
                    OutputKind::Bool => {
                        let mut b = BooleanBuilder::with_capacity(verdicts.len());
                        for v in verdicts {
                            b.append_option(match value(v) {
                                Some(OutputValue::Bool(x)) => Some(x),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    OutputKind::Int => {
                        let mut b = Int64Builder::with_capacity(verdicts.len());
                        for v in verdicts {
                            b.append_option(match value(v) {
                                Some(OutputValue::Int(x)) => Some(x),
                                _ => None,
                            });
                        }
                        Arc::new(b.finish())
                    }
                    OutputKind::Text => text(&|v| match value(v) {
                        Some(OutputValue::Text(t)) => Some(t),
                        Some(OutputValue::Int(i)) => Some(i.to_string()),
                        Some(OutputValue::Bool(b)) => Some(b.to_string()),
                        Some(OutputValue::None) | None => None,
                    }),
                }
            }
            Column::ErrorRule => text(&|v| v.error.as_ref().and_then(|e| e.rule.as_ref()).map(|r| r.as_str().into())),
            Column::ErrorPath => text(&|v| v.error.as_ref().and_then(|e| e.path.clone())),
            Column::ErrorMessage => text(&|v| v.error.as_ref().map(|e| e.message.clone())),
            Column::AsOf => text(&|v| Some(v.as_of.to_string())),
            Column::Policy => text(&|v| Some(v.policy.clone())),
            Column::Version => text(&|v| Some(v.version.clone())),
            Column::PolicyHash => text(&|v| Some(v.policy_hash.clone())),
            Column::List(name) => text(&|v| v.lists.get(name).cloned()),
        }
    }
}

/// Writes the rows of a decision batch as CSV records (the header first when
/// `header`): lists as their JSON text, absent values as empty cells.
pub fn write_csv<W: std::io::Write>(
    out: &mut ::csv::Writer<W>,
    batch: &RecordBatch,
    header: bool,
) -> Result<(), ::csv::Error> {
    if header {
        out.write_record(batch.schema().fields().iter().map(|f| f.name().as_str()))?;
    }
    let mut record: Vec<String> = Vec::with_capacity(batch.num_columns());
    for row in 0..batch.num_rows() {
        record.clear();
        record.extend(batch.columns().iter().map(|array| cell_text(array.as_ref(), row)));
        out.write_record(&record)?;
    }
    Ok(())
}

/// One cell of a decision column as CSV text.
pub(crate) fn cell_text(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match array.data_type() {
        DataType::Dictionary(_, _) => {
            let Some(dictionary) = array.as_any_dictionary_opt() else { return String::new() };
            let key = dictionary.normalized_keys().get(row).copied().unwrap_or_default();
            cell_text(dictionary.values().as_ref(), key)
        }
        DataType::Utf8 => array.as_string_opt::<i32>().map(|a| a.value(row).to_string()).unwrap_or_default(),
        DataType::UInt64 => {
            array.as_primitive_opt::<UInt64Type>().map(|a| a.value(row).to_string()).unwrap_or_default()
        }
        DataType::Int64 => array.as_primitive_opt::<Int64Type>().map(|a| a.value(row).to_string()).unwrap_or_default(),
        DataType::Boolean => array.as_boolean_opt().map(|a| a.value(row).to_string()).unwrap_or_default(),
        DataType::List(_) => {
            let items = array.as_list_opt::<i32>().map(|a| a.value(row));
            let texts: Vec<String> = items
                .as_ref()
                .and_then(|items| items.as_string_opt::<i32>())
                .map(|s| s.iter().flatten().map(str::to_string).collect())
                .unwrap_or_default();
            serde_json::to_string(&texts).unwrap_or_default()
        }
        _ => String::new(),
    }
}
