//! The document laid out once as headings, paragraphs and tables, which the
//! Markdown and HTML renderers each write in their own notation: both show
//! the same things in the same order.

use super::phrase::{lead, Phrase};
use super::{Authority, CoverageSummary, CreditLine, Document, Governance, Group, Row, Rule, Scorecard, Table};

/// A piece of the laid-out document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// A heading of level 1 to 4.
    Heading(u8, Phrase),
    Para(Phrase),
    /// A table: its column heads and its rows of cells.
    Table {
        head: Vec<Phrase>,
        rows: Vec<Vec<Phrase>>,
    },
    /// A part of the document that starts a new page when printed (a group of rules, …).
    Section(Vec<Block>),
}

/// The blocks of `doc`, in reading order.
pub fn layout(doc: &Document) -> Vec<Block> {
    let mut out = vec![Block::Heading(1, Phrase::text(doc.title.clone().unwrap_or_else(|| doc.name.clone())))];
    out.push(facts(doc));
    out.push(Block::Para(Phrase::text(
        "Conditions are the policy's own, written out: ≥ ≤ ≠ compare, “is on list” reads an anti-fraud list, \
         “is one of” a set. A rule with “when” applies when its condition holds, with “unless” when it does not. \
         The Tests column counts the policy's own tests that reached each rule, bin, row and level.",
    )));
    if !doc.groups.is_empty() {
        out.push(Block::Heading(2, Phrase::text("Rules (规则)")));
        for group in &doc.groups {
            out.push(Block::Section(group_blocks(group)));
        }
    }
    if !doc.scorecards.is_empty() {
        let mut blocks = vec![Block::Heading(2, Phrase::text("Scorecards (评分卡)"))];
        for card in &doc.scorecards {
            blocks.extend(scorecard(card));
        }
        out.push(Block::Section(blocks));
    }
    if !doc.tables.is_empty() {
        let mut blocks = vec![Block::Heading(2, Phrase::text("Decision tables (决策表)"))];
        for table in &doc.tables {
            blocks.extend(decision_table(table));
        }
        out.push(Block::Section(blocks));
    }
    if let Some(authority) = &doc.authority {
        out.push(Block::Section(authority_blocks(authority)));
    }
    if !doc.definitions.is_empty() {
        out.push(Block::Section(definitions(doc)));
    }
    if !doc.lists.is_empty() {
        out.push(Block::Section(lists(doc)));
    }
    out.push(Block::Section(coverage(&doc.coverage)));
    out
}

fn facts(doc: &Document) -> Block {
    let tests = &doc.coverage;
    let passed = tests.tests - tests.failed.len();
    let mut test_line = Phrase::text(format!("{passed} passed, "));
    if tests.failed.is_empty() {
        test_line.push_text("0 failed");
    } else {
        test_line = test_line.then(Phrase::flag(format!("{} failed", tests.failed.len())));
    }
    test_line.push_text(&format!("; coverage {} ({} of {} states)", tests.percent(), tests.reached, tests.total));
    let rows = vec![
        vec![Phrase::text("Policy"), Phrase::name(&doc.name)],
        vec![Phrase::text("Version"), Phrase::text(&doc.version)],
        vec![Phrase::text("Hash"), Phrase::name(&doc.hash)],
        vec![Phrase::text("Effective dates"), effective_dates(doc)],
        vec![Phrase::text("Files"), Phrase::text(doc.files.join(", "))],
        vec![Phrase::text("Tests"), test_line],
    ];
    Block::Table { head: vec![Phrase::text("Item"), Phrase::text("Value")], rows }
}

/// The span of the dates of the `effective` clauses, or "always".
fn effective_dates(doc: &Document) -> Phrase {
    let day = |d: &chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    match doc.effective.as_ref().map(|r| (r.from.as_ref(), r.until.as_ref())) {
        Some((Some(first), Some(last))) => Phrase::text(format!(
            "{} to {} (the first and the last date of its effective clauses; what has none is always in force)",
            day(first),
            day(last)
        )),
        Some((Some(only), None)) => Phrase::text(format!(
            "{} (the one date of its effective clauses; what has none is always in force)",
            day(only)
        )),
        _ => Phrase::text("always (no effective clause)"),
    }
}

fn titled(title: &Option<String>, name: &str) -> Phrase {
    match title {
        Some(t) => Phrase::text(format!("{t} (")).then(Phrase::name(name)).and_text(")"),
        None => Phrase::name(name),
    }
}

fn basis(g: &Governance) -> Phrase {
    let mut out = match &g.basis {
        Some((kind, citation)) => Phrase::text(format!("{kind}: {citation}")),
        None => Phrase::text("—"),
    };
    if let Some(level) = &g.overridable {
        out = out.and_text("; exception (特批) by ").then(Phrase::name(level));
    }
    out
}

fn in_force(g: &Governance) -> Phrase {
    Phrase::text(g.effective.as_ref().map_or_else(|| "always".to_string(), |r| r.written()))
}

fn tests(n: usize, what: &str, never: &str) -> Phrase {
    match n {
        0 => Phrase::flag(never),
        n => Phrase::text(format!("{what} {n}")),
    }
}

fn group_blocks(group: &Group) -> Vec<Block> {
    let heading =
        if group.name.is_empty() { Phrase::text("Rules outside any group") } else { titled(&group.title, &group.name) };
    let mut out = vec![Block::Heading(3, heading)];
    if !group.rules.is_empty() {
        let head = ["Code", "Message", "Decision", "Condition", "Basis", "In force", "Tests"];
        out.push(Block::Table {
            head: head.map(Phrase::text).to_vec(),
            rows: group.rules.iter().map(rule_row).collect(),
        });
    }
    if !group.limits.is_empty() {
        out.push(Block::Para(Phrase::text(
            "Credit limits (授信额度): a request above the line is cut to it (a counter-offer); \
             a line below the floor declines.",
        )));
        let head = ["Code", "Message", "Amount", "Line", "Floor", "Basis", "In force", "Tests"];
        out.push(Block::Table {
            head: head.map(Phrase::text).to_vec(),
            rows: group.limits.iter().map(limit_row).collect(),
        });
    }
    out
}

fn rule_row(r: &Rule) -> Vec<Phrase> {
    vec![
        Phrase::name(&r.code),
        Phrase::text(r.message.clone().unwrap_or_default()),
        Phrase::text(format!("{} {}", r.outcome, r.trigger)),
        r.condition.clone(),
        basis(&r.governance),
        in_force(&r.governance),
        tests(r.fired, "fired in", "never fired"),
    ]
}

fn limit_row(l: &CreditLine) -> Vec<Phrase> {
    let reached = match (l.cut, l.not_cut) {
        (0, 0) => Phrase::flag("never reached"),
        (0, n) => Phrase::flag("never cut").and_text(&format!("; uncut in {n}")),
        (c, 0) => Phrase::text(format!("cut in {c}; ")).then(Phrase::flag("never uncut")),
        (c, n) => Phrase::text(format!("cut in {c}; uncut in {n}")),
    };
    vec![
        Phrase::name(&l.code),
        Phrase::text(l.message.clone().unwrap_or_default()),
        Phrase::name(&l.path),
        lead("≤ ", l.line.clone()),
        l.floor.clone().unwrap_or_else(|| Phrase::text("0.01 CNY")),
        basis(&l.governance),
        in_force(&l.governance),
        reached,
    ]
}

fn taken(row: &Row) -> Phrase {
    tests(row.taken, "taken in", "never taken")
}

fn scorecard(card: &Scorecard) -> Vec<Block> {
    let mut out = vec![Block::Heading(3, titled(&card.title, &card.name))];
    let mut intro = Phrase::text(format!(
        "The score is {} points plus each characteristic's points. A characteristic below its baseline \
         loses the difference; the {} that lose most are the reasons reported.",
        card.base, card.reasons
    ));
    if !card.governance.is_empty() {
        intro = intro
            .and_text(" Basis: ")
            .then(basis(&card.governance))
            .and_text("; in force: ")
            .then(in_force(&card.governance));
    }
    out.push(Block::Para(intro));
    for c in &card.characteristics {
        let label = c.label.clone().map(|l| format!("{l} — ")).unwrap_or_default();
        let heading = Phrase::text(label)
            .then(c.subject.clone())
            .and_text(&format!(" (reason {}, baseline {})", c.reason, c.baseline));
        out.push(Block::Heading(4, heading));
        let rows = c.bins.iter().map(|b| vec![joined(&b.patterns), b.result.clone(), taken(b)]).collect();
        out.push(Block::Table { head: ["Bin", "Points", "Tests"].map(Phrase::text).to_vec(), rows });
    }
    out
}

fn joined(patterns: &[Phrase]) -> Phrase {
    super::phrase::join(patterns.to_vec(), "; ")
}

fn decision_table(table: &Table) -> Vec<Block> {
    let mut out = vec![Block::Heading(3, Phrase::name(&table.owner))];
    let mut head = table.subjects.clone();
    head.push(Phrase::text("Result"));
    head.push(Phrase::text("Tests"));
    let rows = table
        .rows
        .iter()
        .map(|row| {
            let mut cells = row.patterns.clone();
            cells.push(row.result.clone());
            cells.push(taken(row));
            cells
        })
        .collect();
    out.push(Block::Table { head, rows });
    out
}

fn authority_blocks(a: &Authority) -> Vec<Block> {
    let title = a.title.clone().map(|t| format!(" — {t}")).unwrap_or_default();
    let mut out = vec![Block::Heading(2, Phrase::text(format!("Authority matrix (授权矩阵){title}")))];
    let mut intro = Phrase::text("An application is decided at the level in ")
        .then(Phrase::name(&a.over))
        .and_text(" when it is within every limit of that level; otherwise it escalates to the level above with ")
        .then(Phrase::name(&a.escalate.0));
    if let Some(message) = &a.escalate.1 {
        intro.push_text(&format!(" “{message}”"));
    }
    intro.push_text(" (or the limit's own code). “—”: no limit at that level.");
    out.push(Block::Para(intro));
    let mut head = vec![Phrase::text("Limit"), Phrase::text("Applies when")];
    head.extend(a.levels.iter().map(|l| Phrase::name(&l.name)));
    head.push(Phrase::text("Escalates with"));
    let rows = a
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![Phrase::name(&row.path), row.guard.clone().unwrap_or_else(|| Phrase::text("always"))];
            cells.extend(row.cells.iter().map(|c| c.clone().unwrap_or_else(|| Phrase::text("—"))));
            cells.push(Phrase::text(row.escalate.join(", ")));
            cells
        })
        .collect();
    out.push(Block::Table { head, rows });
    let levels = a
        .levels
        .iter()
        .map(|l| {
            let above = if l.above.is_empty() { "—".to_string() } else { l.above.join(", ") };
            let escalated = match l.escalates {
                Some(n) => tests(n, "escalated in", "never escalated"),
                None => Phrase::text("— (the top level)"),
            };
            vec![
                Phrase::name(&l.name),
                Phrase::text(above),
                tests(l.authorises, "authorised in", "never authorised"),
                escalated,
            ]
        })
        .collect();
    let head = ["Level", "Above", "Authorises (tests)", "Escalates (tests)"].map(Phrase::text).to_vec();
    out.push(Block::Table { head, rows: levels });
    out
}

fn definitions(doc: &Document) -> Vec<Block> {
    let mut out = vec![Block::Heading(2, Phrase::text("Constants, derived values and outputs (常量与派生值)"))];
    let rows = doc
        .definitions
        .iter()
        .map(|d| {
            vec![
                Phrase::text(&d.kind),
                Phrase::name(&d.name),
                d.ty.clone().map_or_else(|| Phrase::text("—"), Phrase::name),
                d.value.clone(),
                basis(&d.governance),
                in_force(&d.governance),
            ]
        })
        .collect();
    let head = ["Kind", "Name", "Type", "Value", "Basis", "In force"].map(Phrase::text).to_vec();
    out.push(Block::Table { head, rows });
    out
}

fn lists(doc: &Document) -> Vec<Block> {
    let mut out = vec![Block::Heading(2, Phrase::text("Lists (名单)"))];
    let rows = doc
        .lists
        .iter()
        .map(|l| {
            let file = match &l.column {
                Some(c) => format!("{} (column {c})", l.file),
                None => l.file.clone(),
            };
            vec![
                Phrase::name(&l.name),
                Phrase::name(&l.element),
                Phrase::text(file),
                l.entries.map_or_else(|| Phrase::flag("not bound"), |n| Phrase::text(super::phrase::grouped(n.into()))),
                l.sha256.clone().map_or_else(|| Phrase::text("—"), Phrase::name),
            ]
        })
        .collect();
    let head = ["List", "Of", "Source file", "Entries", "SHA-256"].map(Phrase::text).to_vec();
    out.push(Block::Table { head, rows });
    out
}

fn coverage(c: &CoverageSummary) -> Vec<Block> {
    let mut out = vec![Block::Heading(2, Phrase::text("Test coverage (测试覆盖)"))];
    out.push(Block::Para(Phrase::text(format!(
        "{} tests; {} of {} coverage states reached ({}). A rule should fire in some test, a level authorise \
         and escalate, a scorecard bin and a table row be taken, a credit limit cut and not cut.",
        c.tests,
        c.reached,
        c.total,
        c.percent()
    ))));
    let rows = c
        .by_kind
        .iter()
        .map(|(kind, reached, total)| vec![Phrase::text(kind), Phrase::text(format!("{reached} of {total}"))])
        .collect();
    out.push(Block::Table { head: vec![Phrase::text("Kind"), Phrase::text("States reached")], rows });
    if !c.failed.is_empty() {
        out.push(Block::Para(Phrase::flag(format!("Failing tests: {}", c.failed.join("; ")))));
    }
    if c.missed.is_empty() {
        out.push(Block::Para(Phrase::text("Every state is reached by some test.")));
    } else {
        let rows = c.missed.iter().map(|m| vec![Phrase::flag(m)]).collect();
        out.push(Block::Table { head: vec![Phrase::text("Not reached by any test")], rows });
    }
    out
}
