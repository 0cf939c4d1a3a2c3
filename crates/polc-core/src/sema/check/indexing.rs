//! What the checker tells the [`Index`] as it resolves names and types: each
//! use's definition, each expression's type, and what checking found out about
//! each definition. Every method does nothing unless an index was asked for.

use super::{Checker, ConstState, LetState};
use crate::base::source::{SourceMap, Span};
use crate::base::types::{EnumId, RecordId, Type};
use crate::sema::index::{Index, IndexBuilder};
use crate::syntax::ast;
use crate::value::Value;

impl Checker<'_> {
    /// Starts an index of the declarations.
    pub(crate) fn start_index(&mut self, sources: &SourceMap) {
        self.index = Some(Box::new(IndexBuilder::new(self.decls, sources)));
    }

    /// The expression at `span` has type `ty`.
    #[inline]
    pub(crate) fn index_type(&mut self, span: Span, ty: &Type) {
        if let Some(index) = self.index.as_mut() {
            index.typed(span, ty);
        }
    }

    /// A use at `span` of the definition whose name is written at `defined_at`.
    #[inline]
    pub(crate) fn index_use(&mut self, span: Span, defined_at: Option<Span>) {
        if let (Some(index), Some(defined_at)) = (self.index.as_mut(), defined_at) {
            index.use_of(span, defined_at);
        }
    }

    /// A use at `span` of a name only a declaration that does not parse declares.
    #[inline]
    pub(crate) fn index_broken(&mut self, span: Span, name: &str) {
        if let Some(index) = self.index.as_mut() {
            index.use_broken(span, name);
        }
    }

    /// A use at `span` of variant `v` of enum `id`.
    #[inline]
    pub(crate) fn index_variant(&mut self, span: Span, id: EnumId, v: u32) {
        let Some(index) = self.index.as_mut() else { return };
        let def = self.schema.enum_def(id).and_then(|e| e.span).and_then(|at| index.member(at, v as usize));
        index.use_def(span, def);
    }

    /// A use at `span` of field `at` of `record`.
    #[inline]
    pub(crate) fn index_field(&mut self, span: Span, record: RecordId, at: usize) {
        if self.index.is_some() {
            let defined_at = self.schema.record(record).and_then(|r| r.fields.get(at)).map(|f| f.span);
            self.index_use(span, defined_at);
        }
    }

    /// A type name at `span` naming `ty` (an enum or a record).
    #[inline]
    pub(crate) fn index_type_name(&mut self, span: Span, ty: &Type) {
        if self.index.is_some() {
            let defined_at = self.type_definition(ty);
            self.index_use(span, defined_at);
        }
    }

    /// A lambda's parameter comes into scope with type `ty`.
    pub(crate) fn index_enter_parameter(&mut self, param: &ast::Ident, lambda: Span, ty: &Type) {
        if self.index.is_none() {
            return;
        }
        let detail = self.show(ty);
        let type_def = self.type_definition(ty);
        if let Some(index) = self.index.as_mut() {
            index.enter_parameter(&param.name, param.span, lambda, detail);
            index.set_detail(param.span, None, type_def);
        }
    }

    /// The innermost lambda parameter goes out of scope.
    #[inline]
    pub(crate) fn index_leave_parameter(&mut self) {
        if let Some(index) = self.index.as_mut() {
            index.leave_parameter();
        }
    }

    /// A use at `span` of the lambda parameter `name`.
    #[inline]
    pub(crate) fn index_parameter(&mut self, span: Span, name: &str) {
        if let Some(index) = self.index.as_mut() {
            index.use_parameter(span, name);
        }
    }

    /// Where the enum or record of `ty` (inside `?`, `set<…>`, `list<…>`) is named.
    fn type_definition(&self, ty: &Type) -> Option<Span> {
        match ty {
            Type::Enum(id) => self.schema.enum_def(*id)?.span,
            Type::Record(id) => self.schema.record(*id)?.span,
            Type::Optional(inner) | Type::Set(inner) | Type::List(inner) => self.type_definition(inner),
            _ => None,
        }
    }

    /// The index, with what checking found out about each definition: the
    /// types of fields, lets and lists, the folded value of consts.
    pub(crate) fn finish_index(&mut self) -> Option<Index> {
        let mut index = self.index.take()?;
        let decls = self.decls;
        for record in &self.schema.records {
            for field in &record.fields {
                index.set_detail(field.span, Some(self.show(&field.ty)), self.type_definition(&field.ty));
            }
        }
        if let (Some(decl), Some((_, record))) = (decls.inputs.first(), &self.input) {
            index.set_detail(decl.name.span, None, self.type_definition(&Type::Record(*record)));
        }
        for (state, decl) in self.lets.iter().zip(&decls.lets) {
            if let LetState::Done(e) = state {
                let shown = (!e.ty.is_error()).then(|| self.show(&e.ty));
                index.set_detail(decl.name.span, shown, self.type_definition(&e.ty));
            }
        }
        for (state, decl) in self.consts.iter().zip(&decls.consts) {
            if let ConstState::Done(value, ty) = state {
                // a scalar as folded; a set as written (it lists its members)
                let folded = !matches!(value, Value::Set(_) | Value::Record(_) | Value::List(_));
                let detail = folded.then(|| format!("{} = {}", self.show(ty), value.display(ty, &self.schema)));
                index.set_detail(decl.name.span, detail, self.type_definition(ty));
            }
        }
        for (decl, _) in &decls.lists {
            if let Some((_, ty)) = self.list_by_name(&decl.name.name) {
                index.set_detail(decl.name.span, None, self.type_definition(&ty));
            }
        }
        Some(index.finish(self.schema.clone()))
    }
}
