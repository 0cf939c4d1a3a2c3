//! Scorecards (§11) after their lets are checked: the program learns each scorecard's lets and which scorecards its decisions report
//! (those the rules and the authority read, directly or through lets).

use super::{let_id, Checker, LetState};
use crate::ir::{CharacteristicDef, Expr, ExprKind, ScorecardDef};
use crate::sema::resolve::characteristic_let;

/// How many adverse-action reasons a scorecard reports when it does not say.
pub(crate) const DEFAULT_REASONS: usize = 3;

impl Checker<'_> {
    /// The checked scorecards, in declaration order.
    pub(crate) fn scorecards(&mut self) -> Vec<ScorecardDef> {
        let decls = self.decls;
        let mut out = Vec::new();
        for card in &decls.scorecards {
            let reasons = card.reasons.map_or(DEFAULT_REASONS, |n| usize::try_from(n.value).unwrap_or(0));
            let Some(total) = self.let_by_name(&card.name.name) else { continue };
            let characteristics = card
                .characteristics
                .iter()
                .filter_map(|c| {
                    let points = self.let_by_name(&characteristic_let(&card.name.name, &c.reason.name))?;
                    Some(CharacteristicDef {
                        reason: c.reason.name.clone(),
                        label: c.label.as_ref().map(|l| l.value.clone()),
                        baseline: c.baseline.value,
                        points: let_id(points),
                        subject: c.subject_text.clone(),
                        span: c.span,
                    })
                })
                .collect();
            out.push(ScorecardDef {
                name: card.name.name.clone(),
                title: card.title.as_ref().map(|t| t.value.clone()),
                total: let_id(total),
                reasons,
                characteristics,
                basis: super::governance::basis(card.basis.as_ref()),
                span: card.name.span,
            });
        }
        out
    }

    /// Indices into `scorecards` of those that `roots` read, directly or through lets.
    pub(crate) fn reported_scores<'e>(
        &self,
        scorecards: &[ScorecardDef],
        roots: impl Iterator<Item = &'e Expr>,
    ) -> Vec<usize> {
        let mut seen = vec![false; self.lets.len()];
        let mut stack: Vec<&Expr> = roots.collect();
        while let Some(e) = stack.pop() {
            if let ExprKind::Let(id) = e.kind {
                let index = id.0 as usize;
                if seen.get(index).copied().unwrap_or(true) {
                    continue;
                }
                if let Some(flag) = seen.get_mut(index) {
                    *flag = true;
                }
                if let Some(LetState::Done(body)) = self.lets.get(index) {
                    stack.push(body);
                }
            }
            stack.extend(e.children());
        }
        let mut read: Vec<usize> = scorecards
            .iter()
            .enumerate()
            .filter(|(_, card)| seen.get(card.total.0 as usize).copied().unwrap_or(false))
            .map(|(i, _)| i)
            .collect();
        // decision lines carry them sorted by name
        read.sort_by(|&a, &b| scorecards.get(a).map(|c| &c.name).cmp(&scorecards.get(b).map(|c| &c.name)));
        read
    }
}
