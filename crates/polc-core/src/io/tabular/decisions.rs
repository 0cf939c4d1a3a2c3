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
//! | `as_of`, `policy`, `version`, `policy_hash`, `lists.NAME` | Utf8 | every row |
//!
//! In CSV a list is its JSON text (`["A01","A03"]`) and an absent value an empty cell.

use crate::base::types::Type;
use crate::io::verdict::{OutputValue, Verdict};
use crate::ir::Program;
use arrow_array::builder::{BooleanBuilder, Int64Builder, ListBuilder, StringBuilder, UInt64Builder};
use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use std::sync::Arc;

/// The decision columns of one policy (see the module documentation).
#[derive(Clone, Debug)]
pub struct DecisionColumns {
    columns: Vec<Column>,
    schema: SchemaRef,
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
        let mut outputs: Vec<(String, OutputKind)> = program
            .outputs
            .iter()
            .map(|o| {
                let kind = match o.expr.ty.unwrap_optional() {
                    Type::Bool => OutputKind::Bool,
                    Type::Int => OutputKind::Int,
                    _ => OutputKind::Text,
                };
                (o.name.clone(), kind)
            })
            .collect();
        // a line writes its outputs by name
        outputs.sort_by(|a, b| a.0.cmp(&b.0));
        columns.extend(outputs.into_iter().map(|(name, kind)| Column::Output(name, kind)));
        columns.extend([Column::ErrorRule, Column::ErrorPath, Column::ErrorMessage]);
        columns.extend([Column::AsOf, Column::Policy, Column::Version, Column::PolicyHash]);
        columns.extend(lists.into_iter().map(|name| Column::List(name.clone())));
        let fields: Vec<Field> = columns.iter().map(Column::field).collect();
        DecisionColumns { schema: Arc::new(Schema::new(fields)), columns }
    }

    /// The schema of every decision batch.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// One row per verdict, in order.
    pub fn encode(&self, verdicts: &[Verdict]) -> Result<RecordBatch, ArrowError> {
        let arrays: Vec<ArrayRef> = self.columns.iter().map(|c| c.encode(verdicts)).collect();
        RecordBatch::try_new(self.schema.clone(), arrays)
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

    fn field(&self) -> Field {
        let list = || DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)));
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

    fn encode(&self, verdicts: &[Verdict]) -> ArrayRef {
        let text = |f: &dyn Fn(&Verdict) -> Option<String>| -> ArrayRef {
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
fn cell_text(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return String::new();
    }
    match array.data_type() {
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
