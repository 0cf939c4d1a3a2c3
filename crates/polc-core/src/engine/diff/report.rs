//! A diff's report as data: what changed between two versions over a
//! portfolio, built from the exact tally; its serde is `polc diff
//! --format json`. Rates are exact fractions (count over population) with
//! their value rounded to six places; amounts are exact decimals, as text.

use super::fields;
use super::tally::{AmountTally, LabelCounts, LabelTally, Matrix, OfferTally, Tally, APPROVE, OUTCOMES};
use super::Diff;
use crate::io::verdict::{Decision, Verdict};
use crate::Policy;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// The decisions in matrix order.
pub const DECISIONS: [Decision; OUTCOMES] = [Decision::Approve, Decision::Refer, Decision::Decline, Decision::Error];

/// What a policy change does to a portfolio.
#[derive(Clone, Debug, Serialize)]
#[non_exhaustive]
pub struct DiffReport {
    /// The evaluation date.
    #[serde(serialize_with = "date_text")]
    pub as_of: NaiveDate,
    /// The version replayed first.
    pub old: PolicySide,
    /// The version it is compared with.
    pub new: PolicySide,
    /// The lists both versions read from one copy (their contents' hashes agree).
    pub shared_lists: Vec<String>,
    /// Input lines (records), one decision each under each version.
    pub records: u64,
    /// Records whose decision changed.
    pub changed: u64,
    /// Old decision × new decision, every cell (approve, refer, decline, error).
    pub matrix: Vec<SwapCell>,
    /// Approved under the old version, of all records.
    pub approval_old: Rate,
    /// Approved under the new version, of all records.
    pub approval_new: Rate,
    /// With `--label`: the bad rates.
    pub label: Option<LabelReport>,
    /// Every reason code of either version: how often it fired, and on the
    /// swapped records which codes came or went.
    pub reasons: Vec<ReasonDelta>,
    /// One per `--by` field.
    pub segments: Vec<SegmentReport>,
    /// With `--exposure`: the sums approved.
    pub exposure: Option<AmountReport>,
    /// When either version has credit limits: the counter-offers of each,
    /// where a limit cut the requested amount.
    pub offers: Option<OfferReport>,
    /// Referrals per authority level, old and new.
    pub referrals: Vec<LevelLoad>,
    /// Every scorecard either version reports on its decisions: the mean score.
    pub scores: Vec<ScoreDelta>,
    /// The first changed records (with `--examples N`), in input order.
    pub examples: Vec<ChangedRecord>,
}

/// Which policy a side of the report is.
#[derive(Clone, Debug, Serialize)]
pub struct PolicySide {
    /// Its name.
    pub policy: String,
    /// Its version.
    pub version: String,
    /// `sha256:` of its sources.
    pub policy_hash: String,
    /// Its bound lists' versions.
    pub lists: BTreeMap<String, String>,
}

impl PolicySide {
    fn of(policy: &Policy) -> PolicySide {
        PolicySide {
            policy: policy.name().to_string(),
            version: policy.version().to_string(),
            policy_hash: policy.policy_hash().to_string(),
            lists: policy.list_versions().clone(),
        }
    }
}

/// A count out of a population.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rate {
    /// How many.
    pub count: u64,
    /// Out of how many.
    pub of: u64,
    /// `count / of`, rounded to six places (none when `of` is 0).
    #[serde(serialize_with = "optional_decimal_text")]
    pub rate: Option<Decimal>,
}

impl Rate {
    /// `count` out of `of`.
    pub fn new(count: u64, of: u64) -> Rate {
        let rate = (of > 0)
            .then(|| Decimal::from(count).checked_div(Decimal::from(of)))
            .flatten()
            .map(|r| r.round_dp(6).normalize());
        Rate { count, of, rate }
    }

    /// The rate as a percentage with one decimal (`81.2 %`), or `—`.
    pub fn percent(&self) -> String {
        match self.rate {
            Some(rate) => format!("{:.1} %", (rate * Decimal::ONE_HUNDRED).round_dp(1)),
            None => "—".to_string(),
        }
    }
}

/// One cell of the swap matrix.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SwapCell {
    /// The decision under the old version.
    pub old: Decision,
    /// The decision under the new version.
    pub new: Decision,
    /// Records and their share of all records.
    pub share: Rate,
}

/// Bad rates of the populations a committee compares.
#[derive(Clone, Debug, Serialize)]
pub struct LabelReport {
    /// The label field.
    pub field: String,
    /// Bad among the labelled records of the whole portfolio.
    pub all: Rate,
    /// Bad among the labelled records the old version approves.
    pub approved_old: Rate,
    /// Bad among the labelled records the new version approves.
    pub approved_new: Rate,
    /// Bad among the labelled swap-ins (approved by the new version only).
    pub swap_in: Rate,
    /// Bad among the labelled swap-outs (approved by the old version only).
    pub swap_out: Rate,
    /// Records without a label (absent or null), left out of every rate.
    pub unlabelled: u64,
    /// Records whose label is no Bool or 0/1, left out of every rate.
    pub invalid: u64,
}

fn bad_rate(counts: &LabelCounts) -> Rate {
    Rate::new(counts.bad, counts.bad + counts.good)
}

/// How a reason code's firing changed.
#[derive(Clone, Debug, Serialize)]
pub struct ReasonDelta {
    /// The code.
    pub code: String,
    /// Its message (the new version's, else the old one's).
    pub message: Option<String>,
    /// Records it fired on under the old version.
    pub fired_old: u64,
    /// Records it fired on under the new version.
    pub fired_new: u64,
    /// Swapped records (decision changed) on which it fires now and did not:
    /// what caused swaps out of approval, or into decline.
    pub added_on_swaps: u64,
    /// Swapped records on which it fired and no longer does: what caused swap-ins.
    pub dropped_on_swaps: u64,
}

/// The swap matrix per value of one `--by` field.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentReport {
    /// The field.
    pub field: String,
    /// Each value met (at most [`super::MOST_SEGMENTS`]), sorted by value.
    pub rows: Vec<SegmentRow>,
    /// The records of values met after the most, together (absent when none).
    pub other: Option<SegmentRow>,
}

/// One segment's numbers.
#[derive(Clone, Debug, Serialize)]
pub struct SegmentRow {
    /// The value (`(none)` for absent).
    pub value: String,
    /// Records of the segment.
    pub records: u64,
    /// Of which decided differently.
    pub changed: u64,
    /// Approved under the old version, of the segment.
    pub approval_old: Rate,
    /// Approved under the new version, of the segment.
    pub approval_new: Rate,
    /// Old × new counts, rows and columns approve, refer, decline, error.
    pub matrix: Matrix,
    /// With `--label`: bad among the segment's labelled records the old version approves.
    pub bad_rate_old: Option<Rate>,
    /// With `--label`: bad among those the new version approves.
    pub bad_rate_new: Option<Rate>,
}

impl SegmentRow {
    fn of(value: String, matrix: &Matrix, labels: Option<&LabelTally>) -> SegmentRow {
        let records: u64 = matrix.iter().flatten().sum();
        SegmentRow {
            bad_rate_old: labels.map(|l| bad_rate(&l.approved_old)),
            bad_rate_new: labels.map(|l| bad_rate(&l.approved_new)),
            value,
            records,
            changed: changed_in(matrix),
            approval_old: Rate::new(matrix.get(APPROVE).map_or(0, |row| row.iter().sum()), records),
            approval_new: Rate::new(matrix.iter().filter_map(|row| row.get(APPROVE)).sum(), records),
            matrix: *matrix,
        }
    }
}

fn changed_in(matrix: &Matrix) -> u64 {
    let mut changed = 0;
    for (old, row) in matrix.iter().enumerate() {
        for (new, count) in row.iter().enumerate() {
            if old != new {
                changed += count;
            }
        }
    }
    changed
}

/// The counter-offers of both versions (§12).
#[derive(Clone, Debug, Serialize)]
pub struct OfferReport {
    /// Under the old version.
    pub old: OfferSide,
    /// Under the new version.
    pub new: OfferSide,
}

/// One version's counter-offers: how many, and the amounts offered, exact.
#[derive(Clone, Debug, Serialize)]
pub struct OfferSide {
    /// Decisions (approvals and referrals) carrying an offer.
    pub offers: u64,
    /// Of them, approvals.
    pub approved: u64,
    /// The amounts offered, summed.
    #[serde(serialize_with = "decimal_text")]
    pub offered: Decimal,
    /// The amounts offered on approvals, summed.
    #[serde(serialize_with = "decimal_text")]
    pub approved_offered: Decimal,
    /// True when a sum left the range of a decimal (then the sums are wrong).
    pub overflow: bool,
}

impl OfferSide {
    fn of(tally: &OfferTally) -> OfferSide {
        OfferSide {
            offers: tally.offers,
            approved: tally.approved,
            offered: tally.offered,
            approved_offered: tally.approved_offered,
            overflow: tally.overflow,
        }
    }
}

/// The sums of the exposure field, exact.
#[derive(Clone, Debug, Serialize)]
pub struct AmountReport {
    /// The field summed (the sum insured).
    pub field: String,
    /// Over the records the old version approves.
    #[serde(serialize_with = "decimal_text")]
    pub approved_old: Decimal,
    /// Over the records the new version approves.
    #[serde(serialize_with = "decimal_text")]
    pub approved_new: Decimal,
    /// Over the swap-ins.
    #[serde(serialize_with = "decimal_text")]
    pub swap_in: Decimal,
    /// Over the swap-outs.
    #[serde(serialize_with = "decimal_text")]
    pub swap_out: Decimal,
    /// Approved records (by either version) without the field, not summed.
    pub missing: u64,
    /// True when a sum left the range of a decimal (then the sums are wrong).
    pub overflow: bool,
}

/// How a scorecard's scores moved.
#[derive(Clone, Debug, Serialize)]
pub struct ScoreDelta {
    /// The scorecard.
    pub name: String,
    /// Records the old version scored (none when it does not report the card).
    pub scored_old: u64,
    /// Records the new version scored.
    pub scored_new: u64,
    /// The old version's mean score, to two places.
    #[serde(serialize_with = "optional_decimal_text")]
    pub mean_old: Option<Decimal>,
    /// The new version's mean score, to two places.
    #[serde(serialize_with = "optional_decimal_text")]
    pub mean_new: Option<Decimal>,
}

fn mean(&(count, sum): &(u64, i128)) -> Option<Decimal> {
    let sum = Decimal::try_from_i128_with_scale(sum, 0).ok()?;
    (count > 0).then(|| sum.checked_div(Decimal::from(count))).flatten().map(|m| m.round_dp(2))
}

/// Referrals to one level.
#[derive(Clone, Debug, Serialize)]
pub struct LevelLoad {
    /// The level (`(none)`: a referral without an authority level).
    pub level: String,
    /// Referred there by the old version.
    pub old: u64,
    /// Referred there by the new version.
    pub new: u64,
}

/// A record the two versions decided differently (or with other reasons).
#[derive(Clone, Debug, Serialize)]
pub struct ChangedRecord {
    /// Its input line.
    pub line: u64,
    /// Its id, when it has one.
    pub id: Option<String>,
    /// The old version's verdict (its decision line).
    pub old: Verdict,
    /// The new version's verdict.
    pub new: Verdict,
}

/// The report of a finished tally.
pub(super) fn build(diff: &Diff, tally: &Tally, examples: Vec<ChangedRecord>) -> DiffReport {
    let (old, new) = (&diff.old, &diff.new);
    let records = tally.records();
    let mut matrix = Vec::with_capacity(OUTCOMES * OUTCOMES);
    for (o, row) in DECISIONS.iter().zip(&tally.matrix) {
        for (n, &count) in DECISIONS.iter().zip(row) {
            matrix.push(SwapCell { old: *o, new: *n, share: Rate::new(count, records) });
        }
    }
    let approval_old = Rate::new(tally.matrix.get(APPROVE).map_or(0, |row| row.iter().sum()), records);
    let approval_new = Rate::new(tally.matrix.iter().filter_map(|row| row.get(APPROVE)).sum(), records);
    let label = diff.options.label.clone().zip(tally.label.as_ref()).map(|(field, l)| LabelReport {
        field,
        all: bad_rate(&l.all),
        approved_old: bad_rate(&l.approved_old),
        approved_new: bad_rate(&l.approved_new),
        swap_in: bad_rate(&l.swap_in),
        swap_out: bad_rate(&l.swap_out),
        unlabelled: l.all.missing,
        invalid: l.all.invalid,
    });
    let reasons = reasons(diff, tally);
    let segments = segments(diff, tally);
    let exposure = diff.options.exposure.clone().zip(tally.exposure.as_ref()).map(|(field, a)| amounts(field, a));
    DiffReport {
        as_of: diff.options.as_of,
        old: PolicySide::of(old),
        new: PolicySide::of(new),
        shared_lists: diff.shared_lists.clone(),
        records,
        changed: changed_in(&tally.matrix),
        matrix,
        approval_old,
        approval_new,
        label,
        reasons,
        segments,
        exposure,
        offers: (has_limits(old) || has_limits(new))
            .then(|| OfferReport { old: OfferSide::of(&tally.offers_old), new: OfferSide::of(&tally.offers_new) }),
        referrals: referrals(old, new, tally),
        scores: diff
            .scores
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let (old, new) = (
                    tally.scores_old.get(i).copied().unwrap_or_default(),
                    tally.scores_new.get(i).copied().unwrap_or_default(),
                );
                ScoreDelta {
                    name: name.clone(),
                    scored_old: old.0,
                    scored_new: new.0,
                    mean_old: mean(&old),
                    mean_new: mean(&new),
                }
            })
            .collect(),
        examples,
    }
}

fn has_limits(policy: &Policy) -> bool {
    !policy.program().credit_limits.is_empty()
}

fn amounts(field: String, a: &AmountTally) -> AmountReport {
    AmountReport {
        field,
        approved_old: a.approved_old,
        approved_new: a.approved_new,
        swap_in: a.swap_in,
        swap_out: a.swap_out,
        missing: a.missing,
        overflow: a.overflow,
    }
}

fn reasons(diff: &Diff, tally: &Tally) -> Vec<ReasonDelta> {
    let at = |counts: &[u64], i: usize| counts.get(i).copied().unwrap_or(0);
    diff.codes
        .iter()
        .enumerate()
        .map(|(i, code)| ReasonDelta {
            code: code.clone(),
            message: diff.new.message(code).or_else(|| diff.old.message(code)).map(String::from),
            fired_old: at(&tally.fired_old, i),
            fired_new: at(&tally.fired_new, i),
            added_on_swaps: at(&tally.added, i),
            dropped_on_swaps: at(&tally.dropped, i),
        })
        .collect()
}

fn segments(diff: &Diff, tally: &Tally) -> Vec<SegmentReport> {
    let schema = &diff.old.program().schema;
    diff.options
        .by
        .iter()
        .zip(&diff.by)
        .zip(&tally.segments)
        .map(|((field, source), segment)| {
            let mut values: Vec<_> = segment.values.iter().collect();
            values.sort_by(|a, b| a.0.cmp(&b.0));
            let name = |key| fields::segment_name(schema, source, key);
            let labelled = diff.label.is_some();
            let rows = values
                .into_iter()
                .map(|(key, matrix, labels)| SegmentRow::of(name(key), matrix, labelled.then_some(labels)))
                .collect();
            let other_records: u64 = segment.other.iter().flatten().sum();
            let other = (other_records > 0).then(|| {
                SegmentRow::of("(other)".to_string(), &segment.other, labelled.then_some(&segment.other_labels))
            });
            SegmentReport { field: field.clone(), rows, other }
        })
        .collect()
}

fn referrals(old: &Policy, new: &Policy, tally: &Tally) -> Vec<LevelLoad> {
    let mut loads: Vec<LevelLoad> = Vec::new();
    let mut add = |name: &str, old: u64, new: u64| match loads.iter_mut().find(|l| l.level == name) {
        Some(load) => {
            load.old += old;
            load.new += new;
        }
        None => loads.push(LevelLoad { level: name.to_string(), old, new }),
    };
    for (level, count) in old.levels().iter().zip(&tally.referred_old) {
        add(level.as_str(), *count, 0);
    }
    for (level, count) in new.levels().iter().zip(&tally.referred_new) {
        add(level.as_str(), 0, *count);
    }
    let none = |counts: &[u64]| counts.last().copied().unwrap_or(0);
    let (old_none, new_none) = (none(&tally.referred_old), none(&tally.referred_new));
    if old_none + new_none > 0 {
        add("(none)", old_none, new_none);
    }
    loads
}

fn date_text<S: Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

fn decimal_text<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn optional_decimal_text<S: Serializer>(value: &Option<Decimal>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serializer.collect_str(value),
        None => serializer.serialize_none(),
    }
}
