//! PRC identifiers, validated and stored compactly: a resident ID (GB 11643) and a
//! mobile number fit in a `u64`, a unified social credit code (GB 32100) in a `u128`.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// The one date grammar of polc, for policy literals, records, lists, fixtures and
/// `--as-of`: `YYYY-MM-DD`, a four-digit year, month and day zero-padded, digits
/// only (no sign, no white space), and a real calendar date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = b.get(range)?;
        digits.iter().try_fold(0u32, |acc, &d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// An 18-character resident ID number. Stored as its first 17 digits; the check
/// character is derived from them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdCard(u64);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

/// `text` without white space around it; the usual identifier, which begins
/// and ends with an ASCII letter or digit, is not scanned for it. White space
/// around an identifier is not part of it (a list line, a padded field).
fn trimmed(text: &str) -> &str {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(a), Some(z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() => text,
        _ => text.trim(),
    }
}

/// `text` for a message: shortened, since a hostile input may be a megabyte long.
fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    crate::value::number::shorten(text)
}

/// What a character that does not belong in an identifier is, and what to write instead.
fn describe(c: char) -> String {
    match c {
        '\u{ff10}'..='\u{ff19}' => format!("`{c}`, a full-width digit: write ASCII digits (0–9)"),
        '\u{ff21}'..='\u{ff3a}' | '\u{ff41}'..='\u{ff5a}' => {
            format!("`{c}`, a full-width letter: write ASCII letters (A–Z)")
        }
        c if c.is_whitespace() => format!("white space (U+{:04X}): remove it", u32::from(c)),
        c if c.is_control() || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}') => {
            format!("an invisible character (U+{:04X}): remove it", u32::from(c))
        }
        c => format!("`{c}`"),
    }
}

impl IdCard {
    /// Parses and validates: 17 digits, a real birth date, the ISO 7064 MOD 11-2
    /// check character (`x` is accepted for `X`). White space around it is
    /// ignored; an error says which character is wrong and how.
    pub fn parse(text: &str) -> Result<IdCard, String> {
        let t = trimmed(text);
        let bytes = t.as_bytes();
        let plain = bytes.len() == 18
            && bytes.iter().take(17).all(u8::is_ascii_digit)
            && bytes.get(17).is_some_and(|&b| b.is_ascii_digit() || b == b'X' || b == b'x');
        if !plain {
            return Err(IdCard::what_is_wrong(text, t));
        }
        let (body, check) = bytes.split_at(17);
        let mut value: u64 = 0;
        let mut sum: u32 = 0;
        for (&b, weight) in body.iter().zip(ID_WEIGHTS) {
            let digit = u32::from(b - b'0');
            value = value * 10 + u64::from(digit);
            sum += digit * weight;
        }
        let id = IdCard(value);
        if id.birth_date().is_none() {
            return Err(format!(
                "`{}` is not a resident ID number: its birth date (characters 7–14) is not a real date",
                shown(text)
            ));
        }
        let expected = check_char_of(sum);
        let given = check.first().map(u8::to_ascii_uppercase).unwrap_or(0);
        if given != expected {
            return Err(format!(
                "`{}` is not a valid resident ID number: the check character should be `{}`",
                shown(text),
                expected as char
            ));
        }
        Ok(id)
    }

    /// Why `t` (the trimmed `text`) is not 17 digits and a check character.
    fn what_is_wrong(text: &str, t: &str) -> String {
        let shown = shown(text);
        for (i, c) in t.chars().take(18).enumerate() {
            let fits = c.is_ascii_digit() || (i == 17 && matches!(c, 'X' | 'x'));
            if !fits {
                let what = if matches!(c, 'X' | 'x') {
                    format!("`{c}`: only the last character may be X")
                } else {
                    describe(c)
                };
                return format!("`{shown}` is not a resident ID number: character {} is {what}", i + 1);
            }
        }
        format!("a resident ID number has 18 characters, `{shown}` has {}", t.chars().count())
    }

    fn digits(self) -> [u8; 17] {
        let mut out = [0u8; 17];
        let mut v = self.0;
        for slot in out.iter_mut().rev() {
            *slot = (v % 10) as u8;
            v /= 10;
        }
        out
    }

    fn check_char(self) -> u8 {
        check_char_of(self.digits().iter().zip(ID_WEIGHTS).map(|(&d, w)| u32::from(d) * w).sum())
    }

    /// The birth date in digits 7–14.
    pub fn birth_date(self) -> Option<NaiveDate> {
        let ymd = (self.0 / 1000) % 100_000_000;
        let (y, m, d) = (ymd / 10_000, (ymd / 100) % 100, ymd % 100);
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m as u32, d as u32)
    }

    /// True when the 17th digit is odd.
    pub fn is_male(self) -> bool {
        self.0 % 2 == 1
    }

    /// The 6-digit administrative region code.
    pub fn region(self) -> String {
        format!("{:06}", self.0 / 100_000_000_000)
    }

    pub fn to_key(self) -> u64 {
        self.0
    }
}

/// The ID check character for the weighted sum of the 17 digits (ISO 7064 MOD 11-2).
fn check_char_of(sum: u32) -> u8 {
    ID_CHECK.get((sum % 11) as usize).copied().unwrap_or(b'0')
}

impl fmt::Display for IdCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:017}{}", self.0, self.check_char() as char)
    }
}

/// A mainland mobile number: 11 digits starting 13–19.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(u64);

impl Phone {
    /// Strips white space around it, `+86` / `0086` / `86`, spaces and dashes,
    /// then checks `^1[3-9]\d{9}$`; an error says what is wrong and how to fix it.
    pub fn parse(text: &str) -> Result<Phone, String> {
        // the common case, 11 plain digits, needs no cleaning
        let bytes = text.as_bytes();
        if bytes.len() == 11
            && bytes.first() == Some(&b'1')
            && matches!(bytes.get(1), Some(b'3'..=b'9'))
            && bytes.iter().all(u8::is_ascii_digit)
        {
            return bytes
                .iter()
                .try_fold(0u64, |n, &b| n.checked_mul(10)?.checked_add(u64::from(b - b'0')))
                .map(Phone)
                .ok_or_else(|| format!("`{}` is not a mainland mobile number", shown(text)));
        }
        let cleaned: String = text.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = cleaned
            .strip_prefix("+86")
            .or_else(|| cleaned.strip_prefix("0086"))
            .or_else(|| if cleaned.len() == 13 { cleaned.strip_prefix("86") } else { None })
            .unwrap_or(&cleaned);
        let bytes = digits.as_bytes();
        let shown = shown(text);
        if let Some(c) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(format!("`{shown}` is not a mainland mobile number: it has {}", describe(c)));
        }
        if bytes.len() != 11 {
            return Err(format!("`{shown}` is not a mainland mobile number: it has {} digits, not 11", bytes.len()));
        }
        if bytes.first() != Some(&b'1') || !matches!(bytes.get(1), Some(b'3'..=b'9')) {
            return Err(format!(
                "`{shown}` is not a mainland mobile number (11 digits starting 13–19): it starts with `{}`",
                digits.get(..2).unwrap_or(digits)
            ));
        }
        digits.parse().map(Phone).map_err(|_| format!("`{shown}` is not a mainland mobile number"))
    }

    pub fn to_key(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An 18-character unified social credit code, stored as its 17 base-31 digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CreditCode(u128);

const CC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

impl CreditCode {
    /// Parses and validates: 18 characters of `0-9A-HJ-NPQRTUWXY` (lower case
    /// accepted), the GB 32100 check character. White space around it is ignored.
    pub fn parse(text: &str) -> Result<CreditCode, String> {
        let t = trimmed(text);
        let bytes = t.as_bytes();
        let shown = shown(text);
        if let Some((i, c)) = t.chars().enumerate().take(18).find(|(_, c)| !c.is_ascii_alphanumeric()) {
            return Err(format!(
                "`{shown}` is not a unified social credit code: character {} is {}",
                i + 1,
                describe(c)
            ));
        }
        if bytes.len() != 18 {
            return Err(format!("a unified social credit code has 18 characters, `{shown}` has {}", t.chars().count()));
        }
        let mut value: u128 = 0;
        let mut sum: u32 = 0;
        let mut digits = [0u32; 18];
        for (i, &b) in bytes.iter().enumerate() {
            let upper = b.to_ascii_uppercase();
            let Some(v) = CC_ALPHABET.iter().position(|&c| c == upper) else {
                return Err(format!(
                    "`{shown}` is not a unified social credit code: character {} is `{}`, which is not allowed (no I, \
                     O, S, V, Z)",
                    i + 1,
                    b as char
                ));
            };
            if let Some(slot) = digits.get_mut(i) {
                *slot = v as u32;
            }
        }
        for (i, &d) in digits.iter().take(17).enumerate() {
            value = value * 31 + u128::from(d);
            sum += d * CC_WEIGHTS.get(i).copied().unwrap_or(0);
        }
        let expected = (31 - sum % 31) % 31;
        if digits.get(17).copied() != Some(expected) {
            let c = CC_ALPHABET.get(expected as usize).copied().unwrap_or(b'0') as char;
            return Err(format!(
                "`{shown}` is not a valid unified social credit code: the check character should be `{c}`"
            ));
        }
        Ok(CreditCode(value))
    }

    pub fn to_key(self) -> u128 {
        self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = [0u32; 17];
        let mut v = self.0;
        for slot in digits.iter_mut().rev() {
            *slot = (v % 31) as u32;
            v /= 31;
        }
        let sum: u32 = digits.iter().zip(CC_WEIGHTS).map(|(d, w)| d * w).sum();
        let check = (31 - sum % 31) % 31;
        for d in digits.iter().chain(std::iter::once(&check)) {
            let c = CC_ALPHABET.get(*d as usize).copied().unwrap_or(b'0');
            write!(f, "{}", c as char)?;
        }
        Ok(())
    }
}

/// Whole years, months or days from `from` to `to` (negative when `to` is earlier).
/// An anniversary that does not exist in the target month (29 February, 31 April)
/// is reached on the first day of the next month.
pub fn whole_units_between(from: NaiveDate, to: NaiveDate, unit: crate::value::DurationUnit) -> i64 {
    use crate::value::DurationUnit;
    if to < from {
        return -whole_units_between(to, from, unit);
    }
    let months = i64::from(to.year() - from.year()) * 12 + i64::from(to.month()) - i64::from(from.month());
    // is this month's anniversary of `from` (rolled forward when missing) after `to`?
    let not_yet = from.day() > days_in_month(to.year(), to.month()) || to.day() < from.day();
    match unit {
        DurationUnit::Days => (to - from).num_days(),
        DurationUnit::Months => months - i64::from(not_yet),
        DurationUnit::Years => {
            let anniversary_passed = (to.month(), to.day()) >= anniversary(from, to.year());
            i64::from(to.year() - from.year()) - i64::from(!anniversary_passed)
        }
    }
}

/// (month, day) of `date`'s anniversary in `year`: 29 February becomes 1 March
/// in a year without it.
fn anniversary(date: NaiveDate, year: i32) -> (u32, u32) {
    if date.month() == 2 && date.day() == 29 && days_in_month(year, 2) == 28 {
        (3, 1)
    } else {
        (date.month(), date.day())
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// `date + n months`, where a day that does not exist in the target month rolls
/// to the first of the next month (so 29 February + 1 year = 1 March).
pub fn add_months(date: NaiveDate, months: i64) -> Option<NaiveDate> {
    let index = i64::from(date.year()).checked_mul(12)?.checked_add(i64::from(date.month0()))?.checked_add(months)?;
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    let month0 = u32::try_from(index.rem_euclid(12)).ok()?;
    NaiveDate::from_ymd_opt(year, month0 + 1, date.day()).or_else(|| {
        let (y, m) = if month0 == 11 { (year.checked_add(1)?, 1) } else { (year, month0 + 2) };
        NaiveDate::from_ymd_opt(y, m, 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_date_grammar() {
        assert_eq!(parse_date("2026-02-28"), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-2-28"), None);
        assert_eq!(parse_date("2026-02-2x"), None);
        for odd in
            ["+2026-01-01", "-2026-01-01", " 2026-01-01", "2026-01-01 ", "2026-1-1", "20260-01-01", "２０２６-01-01"]
        {
            assert_eq!(parse_date(odd), None, "{odd:?}");
        }
    }
    use crate::value::DurationUnit;

    #[test]
    fn resident_ids_from_the_domain_guide() {
        for id in ["110100199003070138", "110100198511200248", "44010019770101013X", "310100200806150353"] {
            let parsed = IdCard::parse(id).map(|p| p.to_string());
            assert_eq!(parsed.as_deref(), Ok(id));
        }
        let lower = IdCard::parse("44010019770101013x").map(|p| p.to_string());
        assert_eq!(lower.as_deref(), Ok("44010019770101013X"));
        assert!(IdCard::parse("110100199003070139").is_err_and(|e| e.contains("check character should be `8`")));
        assert!(IdCard::parse("110100199002300138").is_err_and(|e| e.contains("birth date")));
        let id = IdCard::parse("110100198511200248").ok();
        assert_eq!(id.map(IdCard::is_male), Some(false));
        assert_eq!(id.map(IdCard::region).as_deref(), Some("110100"));
        assert_eq!(id.and_then(IdCard::birth_date), NaiveDate::from_ymd_opt(1985, 11, 20));
    }

    #[test]
    fn identifier_errors_say_which_character_is_wrong_and_how_to_write_it() {
        let full_width = "１１０１００１９９００３０７０１３８";
        assert_eq!(
            IdCard::parse(full_width),
            Err(format!(
                "`{full_width}` is not a resident ID number: character 1 is `１`, a full-width digit: write ASCII \
                 digits (0–9)"
            ))
        );
        let one = "11010019900307013８";
        assert!(IdCard::parse(one).is_err_and(|e| e.contains("character 18 is `８`, a full-width digit")), "{one}");
        assert!(IdCard::parse("1101001990030X0138").is_err_and(|e| e.contains("only the last character may be X")));
        assert!(IdCard::parse("110100 199003070138").is_err_and(|e| e.contains("character 7 is white space")));
        assert!(IdCard::parse("11010019900307013").is_err_and(|e| e.ends_with("has 17")));
        assert!(IdCard::parse("1101001990030701381").is_err_and(|e| e.ends_with("has 19")));
        assert!(IdCard::parse("11010019900307\u{200b}0138").is_err_and(|e| e.contains("invisible character (U+200B)")));
        assert_eq!(IdCard::parse(" 110100199003070138\t").map(|i| i.to_string()).as_deref(), Ok("110100199003070138"));
        let phone = "１３８００１３８０００";
        assert!(Phone::parse(phone).is_err_and(|e| e.contains("`１`, a full-width digit: write ASCII digits")));
        assert!(Phone::parse("12800138000").is_err_and(|e| e.ends_with("it starts with `12`")));
        assert!(Phone::parse("1380013800").is_err_and(|e| e.ends_with("it has 10 digits, not 11")));
        assert!(Phone::parse("138.0013.8000").is_err_and(|e| e.ends_with("it has `.`")));
        let code = "９1110100MA00000157";
        assert!(CreditCode::parse(code).is_err_and(|e| e.contains("character 1 is `９`, a full-width digit")));
        assert!(CreditCode::parse("91110100MA0000015I").is_err_and(|e| e.contains("character 18 is `I`")));
        let long = "1".repeat(100_000);
        assert!(IdCard::parse(&long).is_err_and(|e| e.len() < 200), "a long input is shortened");
    }

    #[test]
    fn credit_codes_from_the_domain_guide() {
        for code in ["91110100MA00000157", "91310100MA020T7Q55", "92440100L00000054M"] {
            assert_eq!(CreditCode::parse(code).map(|c| c.to_string()).as_deref(), Ok(code));
        }
        assert!(CreditCode::parse("91110100MA00000158").is_err());
        assert!(CreditCode::parse("91110100MA0000015I").is_err());
    }

    #[test]
    fn phones_are_normalised() {
        for text in ["13800138000", "+86 138-0013-8000", "008613800138000", "8613800138000"] {
            assert_eq!(Phone::parse(text).map(|p| p.to_string()).as_deref(), Ok("13800138000"));
        }
        assert!(Phone::parse("12800138000").is_err());
        assert!(Phone::parse("1380013800").is_err());
    }

    #[test]
    fn whole_units_agree_with_adding_units() {
        // n whole units have passed exactly when from + n units <= to
        let start = NaiveDate::from_ymd_opt(2007, 12, 25).unwrap_or_default();
        let dates: Vec<NaiveDate> =
            (0..1200).step_by(7).filter_map(|d| start.checked_add_days(chrono::Days::new(d))).collect();
        for &from in dates.iter().step_by(5) {
            for &to in &dates {
                for (unit, per) in [(DurationUnit::Months, 1), (DurationUnit::Years, 12)] {
                    let n = whole_units_between(from, to, unit);
                    if to >= from {
                        assert!(add_months(from, n * per).is_some_and(|d| d <= to), "{from} {to} {unit:?}");
                        assert!(add_months(from, (n + 1) * per).is_some_and(|d| d > to), "{from} {to} {unit:?}");
                    } else {
                        assert_eq!(n, -whole_units_between(to, from, unit));
                    }
                }
            }
        }
    }

    #[test]
    fn leap_day_birthday_is_reached_on_first_of_march() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(whole_units_between(d(2008, 2, 29), d(2026, 2, 28), DurationUnit::Years), 17);
        assert_eq!(whole_units_between(d(2008, 2, 29), d(2026, 3, 1), DurationUnit::Years), 18);
        assert_eq!(whole_units_between(d(2008, 2, 29), d(2028, 2, 29), DurationUnit::Years), 20);
        assert_eq!(whole_units_between(d(2026, 3, 1), d(2008, 2, 29), DurationUnit::Years), -18);
        assert_eq!(whole_units_between(d(2026, 1, 31), d(2026, 2, 28), DurationUnit::Months), 0);
        assert_eq!(whole_units_between(d(2026, 1, 31), d(2026, 3, 1), DurationUnit::Months), 1);
        assert_eq!(whole_units_between(d(2026, 1, 1), d(2026, 11, 22), DurationUnit::Days), 325);
        assert_eq!(add_months(d(2008, 2, 29), 12), Some(d(2009, 3, 1)));
        assert_eq!(add_months(d(2026, 12, 31), 2), Some(d(2027, 3, 1)));
        assert_eq!(add_months(d(2026, 3, 31), -1), Some(d(2026, 3, 1)));
    }
}
