//! The exact counts of a diff: one tally per piece of input, merged in input
//! order into the run's. Counts are integers and amounts `Decimal` (checked,
//! never rounded), so the merged tally is the same whatever the pieces were.

use super::fields::{Label, SegmentKey};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

/// Approve, refer, decline, error: the rows and columns of a swap matrix.
pub const OUTCOMES: usize = 4;

/// Most distinct values of one `--by` field reported on their own; values
/// first met after that many are counted together as `(other)`, so memory
/// does not grow with the input.
pub const MOST_SEGMENTS: usize = 1000;

/// Old outcome × new outcome: counts of records.
pub type Matrix = [[u64; OUTCOMES]; OUTCOMES];

/// What a population of records turned out to be, by label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelCounts {
    /// Labelled bad (true, 1).
    pub bad: u64,
    /// Labelled good (false, 0).
    pub good: u64,
    /// Without a label (absent, null).
    pub missing: u64,
    /// With a value that is no label (2, "yes").
    pub invalid: u64,
}

impl LabelCounts {
    fn add(&mut self, label: Label) {
        match label {
            Label::Bad => self.bad += 1,
            Label::Good => self.good += 1,
            Label::Missing => self.missing += 1,
            Label::Invalid => self.invalid += 1,
        }
    }

    fn merge(&mut self, other: &LabelCounts) {
        self.bad += other.bad;
        self.good += other.good;
        self.missing += other.missing;
        self.invalid += other.invalid;
    }
}

/// Labels of the populations a committee compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelTally {
    /// Every record.
    pub all: LabelCounts,
    /// Approved by the old policy.
    pub approved_old: LabelCounts,
    /// Approved by the new policy.
    pub approved_new: LabelCounts,
    /// Approved by the new policy only.
    pub swap_in: LabelCounts,
    /// Approved by the old policy only.
    pub swap_out: LabelCounts,
}

impl LabelTally {
    /// Counts one record's label, approved under the old version (`was`) and the new (`is`) or not.
    fn add(&mut self, label: Label, was: bool, is: bool) {
        self.all.add(label);
        if was {
            self.approved_old.add(label);
        }
        if is {
            self.approved_new.add(label);
        }
        if is && !was {
            self.swap_in.add(label);
        }
        if was && !is {
            self.swap_out.add(label);
        }
    }

    fn merge(&mut self, other: &LabelTally) {
        self.all.merge(&other.all);
        self.approved_old.merge(&other.approved_old);
        self.approved_new.merge(&other.approved_new);
        self.swap_in.merge(&other.swap_in);
        self.swap_out.merge(&other.swap_out);
    }
}

/// Sums of an amount over the populations, exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AmountTally {
    /// Approved by the old policy.
    pub approved_old: Decimal,
    /// Approved by the new policy.
    pub approved_new: Decimal,
    /// Approved by the new policy only.
    pub swap_in: Decimal,
    /// Approved by the old policy only.
    pub swap_out: Decimal,
    /// Approved records without the amount.
    pub missing: u64,
    /// True when a sum left Decimal's range (the sums are then wrong and say so).
    pub overflow: bool,
}

impl AmountTally {
    fn add_to(sum: &mut Decimal, amount: Decimal, overflow: &mut bool) {
        match sum.checked_add(amount) {
            Some(total) => *sum = total,
            None => *overflow = true,
        }
    }

    fn merge(&mut self, other: &AmountTally) {
        let overflow = &mut self.overflow;
        AmountTally::add_to(&mut self.approved_old, other.approved_old, overflow);
        AmountTally::add_to(&mut self.approved_new, other.approved_new, overflow);
        AmountTally::add_to(&mut self.swap_in, other.swap_in, overflow);
        AmountTally::add_to(&mut self.swap_out, other.swap_out, overflow);
        self.missing += other.missing;
        self.overflow |= other.overflow;
    }
}

/// One version's counter-offers (§12): the decisions on which a credit limit
/// cut the requested amount, and the amounts offered instead, exact.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OfferTally {
    /// Decisions carrying an offer (approvals and referrals).
    pub offers: u64,
    /// Of them, approvals.
    pub approved: u64,
    /// The amounts offered, summed.
    pub offered: Decimal,
    /// The amounts offered on approvals, summed.
    pub approved_offered: Decimal,
    /// True when a sum left Decimal's range (the sums are then wrong and say so).
    pub overflow: bool,
}

impl OfferTally {
    fn add(&mut self, amount: Decimal, approved: bool) {
        self.offers += 1;
        AmountTally::add_to(&mut self.offered, amount, &mut self.overflow);
        if approved {
            self.approved += 1;
            AmountTally::add_to(&mut self.approved_offered, amount, &mut self.overflow);
        }
    }

    fn merge(&mut self, other: &OfferTally) {
        self.offers += other.offers;
        self.approved += other.approved;
        AmountTally::add_to(&mut self.offered, other.offered, &mut self.overflow);
        AmountTally::add_to(&mut self.approved_offered, other.approved_offered, &mut self.overflow);
        self.overflow |= other.overflow;
    }
}

/// The swap matrices (and labels) of one `--by` field's values, in the order first met.
#[derive(Clone, Debug, Default)]
pub struct SegmentTally {
    /// Each value, its matrix and its labels (with `--label`).
    pub values: Vec<(SegmentKey, Matrix, LabelTally)>,
    index: FxHashMap<SegmentKey, usize>,
    /// Records whose value came after [`MOST_SEGMENTS`] others.
    pub other: Matrix,
    /// Their labels.
    pub other_labels: LabelTally,
}

impl SegmentTally {
    fn merge(&mut self, other: &SegmentTally) {
        for (key, matrix, labels) in &other.values {
            let (cells, tally) = self.slot(key, true);
            add_matrix(cells, matrix);
            tally.merge(labels);
        }
        add_matrix(&mut self.other, &other.other);
        self.other_labels.merge(&other.other_labels);
    }

    /// The counts of segment `key`; `capped`: a new value after
    /// [`MOST_SEGMENTS`] others is counted in `(other)`.
    fn slot(&mut self, key: &SegmentKey, capped: bool) -> (&mut Matrix, &mut LabelTally) {
        let at = match self.index.get(key) {
            Some(&at) => Some(at),
            None if capped && self.values.len() >= MOST_SEGMENTS => None,
            None => {
                self.index.insert(key.clone(), self.values.len());
                self.values.push((key.clone(), [[0; OUTCOMES]; OUTCOMES], LabelTally::default()));
                Some(self.values.len() - 1)
            }
        };
        match at.and_then(|at| self.values.get_mut(at)) {
            Some((_, matrix, labels)) => (matrix, labels),
            None => (&mut self.other, &mut self.other_labels),
        }
    }
}

fn bump(matrix: &mut Matrix, old: usize, new: usize, count: u64) {
    if let Some(cell) = matrix.get_mut(old).and_then(|row| row.get_mut(new)) {
        *cell += count;
    }
}

fn add_matrix(into: &mut Matrix, from: &Matrix) {
    for (row, other) in into.iter_mut().zip(from) {
        for (cell, count) in row.iter_mut().zip(other) {
            *cell += count;
        }
    }
}

fn add_counts(into: &mut [u64], from: &[u64]) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// Everything a diff counts.
#[derive(Clone, Debug)]
pub struct Tally {
    /// Old outcome × new outcome.
    pub matrix: Matrix,
    /// Fired under the old policy, per code (by index into the codes of both
    /// policies together, sorted).
    pub fired_old: Vec<u64>,
    /// Fired under the new policy, per code.
    pub fired_new: Vec<u64>,
    /// On records whose decision changed: codes that fired under the old
    /// policy and no longer do.
    pub dropped: Vec<u64>,
    /// On records whose decision changed: codes that fire under the new
    /// policy and did not.
    pub added: Vec<u64>,
    /// Referrals per old level (by index), then one for referrals to no level.
    pub referred_old: Vec<u64>,
    /// Referrals per new level, then one for referrals to no level.
    pub referred_new: Vec<u64>,
    /// With `--label`.
    pub label: Option<LabelTally>,
    /// With `--exposure`.
    pub exposure: Option<AmountTally>,
    /// The old version's counter-offers.
    pub offers_old: OfferTally,
    /// The new version's counter-offers.
    pub offers_new: OfferTally,
    /// One per `--by` field.
    pub segments: Vec<SegmentTally>,
    /// Per scorecard either version reports (by index into their names,
    /// sorted): records scored under the old version and the sum of their scores.
    pub scores_old: Vec<(u64, i128)>,
    /// The same under the new version.
    pub scores_new: Vec<(u64, i128)>,
    /// Bytes of input read.
    pub bytes: u64,
}

/// Counts a decision's scores (`cards`: the version's scorecard index into the names).
pub(super) fn add_scores(into: &mut [(u64, i128)], cards: &[u32], scores: &[crate::eval::ScoreResult]) {
    for score in scores {
        let at = cards.get(score.card).and_then(|&i| into.get_mut(i as usize));
        if let Some((count, sum)) = at {
            *count += 1;
            *sum += i128::from(score.score);
        }
    }
}

fn add_sums(into: &mut [(u64, i128)], from: &[(u64, i128)]) {
    for (a, b) in into.iter_mut().zip(from) {
        a.0 += b.0;
        a.1 += b.1;
    }
}

/// What one record was under both versions, for counting.
pub(super) struct RecordTally<'r> {
    pub(super) old: usize,
    pub(super) new: usize,
    /// The reasons, by index into both policies' codes together.
    pub(super) old_reasons: &'r [u32],
    pub(super) new_reasons: &'r [u32],
    /// The level referred to, when referred (`Some(None)`: to no level).
    pub(super) old_referred: Option<Option<u32>>,
    pub(super) new_referred: Option<Option<u32>>,
    pub(super) label: Option<Label>,
    pub(super) amount: Option<Decimal>,
    /// The amount each version offered, when a limit cut the request.
    pub(super) old_offer: Option<Decimal>,
    pub(super) new_offer: Option<Decimal>,
    pub(super) segments: Vec<SegmentKey>,
}

/// The index of approve in a matrix.
pub const APPROVE: usize = 0;

impl Tally {
    /// Nothing counted, for policies of these sizes.
    pub(super) fn new(codes: usize, levels: (usize, usize), label: bool, exposure: bool, by: usize) -> Tally {
        Tally {
            matrix: [[0; OUTCOMES]; OUTCOMES],
            fired_old: vec![0; codes],
            fired_new: vec![0; codes],
            dropped: vec![0; codes],
            added: vec![0; codes],
            referred_old: vec![0; levels.0 + 1],
            referred_new: vec![0; levels.1 + 1],
            label: label.then(LabelTally::default),
            exposure: exposure.then(AmountTally::default),
            offers_old: OfferTally::default(),
            offers_new: OfferTally::default(),
            segments: vec![SegmentTally::default(); by],
            scores_old: Vec::new(),
            scores_new: Vec::new(),
            bytes: 0,
        }
    }

    /// Records counted.
    pub fn records(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }

    /// Counts one record (a piece's tally keeps every segment it meets; the
    /// run's caps them as it merges).
    pub(super) fn add(&mut self, record: RecordTally<'_>) {
        let (old, new) = (record.old, record.new);
        bump(&mut self.matrix, old, new, 1);
        for &code in record.old_reasons {
            if let Some(count) = self.fired_old.get_mut(code as usize) {
                *count += 1;
            }
        }
        for &code in record.new_reasons {
            if let Some(count) = self.fired_new.get_mut(code as usize) {
                *count += 1;
            }
        }
        if old != new {
            self.count_swap_reasons(&record);
        }
        let referred = |counts: &mut Vec<u64>, to: Option<Option<u32>>| {
            let last = counts.len().saturating_sub(1);
            if let Some(to) = to {
                let at = to.map_or(last, |l| (l as usize).min(last));
                if let Some(count) = counts.get_mut(at) {
                    *count += 1;
                }
            }
        };
        referred(&mut self.referred_old, record.old_referred);
        referred(&mut self.referred_new, record.new_referred);
        let (was, is) = (old == APPROVE, new == APPROVE);
        if let (Some(tally), Some(label)) = (self.label.as_mut(), record.label) {
            tally.add(label, was, is);
        }
        if let Some(amount) = record.old_offer {
            self.offers_old.add(amount, was);
        }
        if let Some(amount) = record.new_offer {
            self.offers_new.add(amount, is);
        }
        if let Some(sums) = self.exposure.as_mut() {
            match record.amount {
                Some(amount) => {
                    let overflow = &mut sums.overflow;
                    if was {
                        AmountTally::add_to(&mut sums.approved_old, amount, overflow);
                    }
                    if is {
                        AmountTally::add_to(&mut sums.approved_new, amount, overflow);
                    }
                    if is && !was {
                        AmountTally::add_to(&mut sums.swap_in, amount, overflow);
                    }
                    if was && !is {
                        AmountTally::add_to(&mut sums.swap_out, amount, overflow);
                    }
                }
                None if was || is => sums.missing += 1,
                None => {}
            }
        }
        for (segment, key) in self.segments.iter_mut().zip(record.segments) {
            let (matrix, labels) = segment.slot(&key, false);
            bump(matrix, old, new, 1);
            if let Some(label) = record.label {
                labels.add(label, was, is);
            }
        }
    }

    /// The reasons that differ on a record whose decision changed.
    fn count_swap_reasons(&mut self, record: &RecordTally<'_>) {
        for &code in record.old_reasons {
            if !record.new_reasons.contains(&code) {
                if let Some(count) = self.dropped.get_mut(code as usize) {
                    *count += 1;
                }
            }
        }
        for &code in record.new_reasons {
            if !record.old_reasons.contains(&code) {
                if let Some(count) = self.added.get_mut(code as usize) {
                    *count += 1;
                }
            }
        }
    }

    /// Adds a later piece's counts (in input order: the first values met
    /// keep their own segment).
    pub(super) fn merge(&mut self, other: &Tally) {
        add_matrix(&mut self.matrix, &other.matrix);
        add_counts(&mut self.fired_old, &other.fired_old);
        add_counts(&mut self.fired_new, &other.fired_new);
        add_counts(&mut self.dropped, &other.dropped);
        add_counts(&mut self.added, &other.added);
        add_counts(&mut self.referred_old, &other.referred_old);
        add_counts(&mut self.referred_new, &other.referred_new);
        if let (Some(a), Some(b)) = (self.label.as_mut(), other.label.as_ref()) {
            a.merge(b);
        }
        if let (Some(a), Some(b)) = (self.exposure.as_mut(), other.exposure.as_ref()) {
            a.merge(b);
        }
        self.offers_old.merge(&other.offers_old);
        self.offers_new.merge(&other.offers_new);
        for (a, b) in self.segments.iter_mut().zip(&other.segments) {
            a.merge(b);
        }
        add_sums(&mut self.scores_old, &other.scores_old);
        add_sums(&mut self.scores_new, &other.scores_new);
        self.bytes += other.bytes;
    }
}
