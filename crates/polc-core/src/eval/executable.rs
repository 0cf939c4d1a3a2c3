//! A lowered program paired with its conditions compiled to closures — what
//! [`super::decide`] runs. The closures are made on the first decision, so a
//! program that is only checked never pays for them.

use super::compiled::Compiled;
use crate::ir::Program;
use std::sync::OnceLock;

/// A program and its compiled closures. The program cannot be changed once
/// paired, so its closures are never stale; a clone compiles its own.
pub struct Executable {
    program: Program,
    compiled: OnceLock<Compiled>,
}

impl Executable {
    pub fn new(program: Program) -> Executable {
        Executable { program, compiled: OnceLock::new() }
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The rules, lets and limits as closures, compiled on first use.
    pub fn compiled(&self) -> &Compiled {
        self.compiled.get_or_init(|| Compiled::new(&self.program))
    }

    /// The program, without its closures.
    pub fn into_program(self) -> Program {
        self.program
    }
}

impl From<Program> for Executable {
    fn from(program: Program) -> Executable {
        Executable::new(program)
    }
}

/// An executable reads as its program (its name, rules, schema, …).
impl std::ops::Deref for Executable {
    type Target = Program;

    fn deref(&self) -> &Program {
        &self.program
    }
}

impl Clone for Executable {
    fn clone(&self) -> Executable {
        Executable::new(self.program.clone())
    }
}

impl std::fmt::Debug for Executable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executable")
            .field("program", &self.program)
            .field("compiled", &self.compiled.get().is_some())
            .finish()
    }
}
