//! Outputs (§13): each `output NAME (: T)? = EXPR` is checked like a `let` and
//! must have a type a decision line can carry (T0243); names are unique (N0120).

use super::{Checker, TypeUse};
use crate::base::codes::Code;
use crate::base::diag::Diagnostic;
use crate::base::source::Span;
use crate::base::types::Type;
use crate::ir;
use std::collections::HashMap;

impl Checker<'_> {
    /// Checks every output; returns them in file order.
    pub(crate) fn outputs(&mut self) -> Vec<ir::OutputDef> {
        let decls = self.decls;
        let mut out = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for decl in &decls.outputs {
            if let Some(first) = seen.get(decl.name.name.as_str()) {
                self.report(
                    Diagnostic::error(Code::N0120, format!("output `{}` is declared twice", decl.name.name))
                        .at(decl.name.span, "declared again")
                        .also(*first, "first declared here")
                        .help("each output is one key of the decision line's `outputs`; rename one"),
                );
                continue;
            }
            seen.insert(&decl.name.name, decl.name.span);
            self.narrowed.clear();
            let annotated = decl.ty.as_ref().map(|t| self.resolve_type(t, TypeUse::Field));
            let mut value = self.expr(&decl.value, annotated.as_ref());
            if let Some(ty) = &annotated {
                value = self.coerce(value, ty, "this output's declared type");
            }
            if !value.ty.is_error() && !is_line_value(&value.ty) {
                let shown = self.show(&value.ty);
                self.report(
                    Diagnostic::error(Code::T0243, format!("an output cannot be `{shown}`"))
                        .at(value.span, format!("this is `{shown}`"))
                        .help("an output is one value: Bool, Int, Decimal, Money, Date, String, an identifier or an enum (or an optional one); count or sum a list instead"),
                );
                continue;
            }
            out.push(ir::OutputDef { name: decl.name.name.clone(), expr: value, span: decl.span });
        }
        out
    }
}

/// Whether a decision line can carry a value of `ty` (§13).
fn is_line_value(ty: &Type) -> bool {
    match ty {
        Type::Optional(inner) => is_line_value(inner),
        Type::Bool
        | Type::Int
        | Type::Decimal
        | Type::Money
        | Type::Date
        | Type::String
        | Type::IdCard
        | Type::Phone
        | Type::CreditCode
        | Type::Enum(_) => true,
        _ => false,
    }
}
