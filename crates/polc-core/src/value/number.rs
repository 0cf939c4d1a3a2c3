//! The one number grammar of record and list data — a JSON number (RFC 8259):
//! `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` — and its exact reading.
//!
//! Both record readers (the decode plan and the general reader), the serde
//! path, decimal strings and list entries use these functions, so they accept
//! the same texts. A decimal that a `Decimal` cannot hold without rounding is
//! an error, never rounded; trailing zeros that change nothing (`1.000…0`
//! past 28 places) are dropped, since the value stays exact.

use rust_decimal::Decimal;

/// Why a text is not a JSON number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// No digit where one must be: `-`, `.5`, `+5`, `x`.
    NoDigits,
    /// `0700`: a whole part that starts with 0 is 0.
    LeadingZero,
    /// `5.`: a point needs digits after it.
    NoFractionDigits,
    /// `1e`, `1e+`: an exponent needs digits.
    NoExponentDigits,
}

impl NumberError {
    /// What is wrong, for "not valid JSON: …" and for decimal strings.
    pub(crate) fn what(self) -> &'static str {
        match self {
            NumberError::NoDigits => "a number starts with a digit or `-` and a digit",
            NumberError::LeadingZero => "a number has no leading zeros",
            NumberError::NoFractionDigits => "a decimal point needs a digit after it",
            NumberError::NoExponentDigits => "an exponent needs digits",
        }
    }
}

/// The length of the JSON number at the start of `bytes` (which may go on
/// with other text: the caller checks what follows).
pub(crate) fn number_len(bytes: &[u8]) -> Result<usize, NumberError> {
    let digits_from =
        |at: usize| bytes.get(at..).map_or(0, |rest| rest.iter().take_while(|b| b.is_ascii_digit()).count());
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(at) {
        Some(b'0') => {
            at += 1;
            if bytes.get(at).is_some_and(u8::is_ascii_digit) {
                return Err(NumberError::LeadingZero);
            }
        }
        Some(b'1'..=b'9') => at += digits_from(at),
        _ => return Err(NumberError::NoDigits),
    }
    if bytes.get(at) == Some(&b'.') {
        let n = digits_from(at + 1);
        if n == 0 {
            return Err(NumberError::NoFractionDigits);
        }
        at += 1 + n;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let n = digits_from(at);
        if n == 0 {
            return Err(NumberError::NoExponentDigits);
        }
        at += n;
    }
    Ok(at)
}

/// Reads an exact decimal written as a JSON number: `12000.00`, `-0.5`,
/// `1e3`, in a record (as a number or a string) or a list file.
pub fn parse_decimal(text: &str) -> Result<Decimal, String> {
    if let Some(d) = parse_plain_decimal(text.as_bytes()) {
        return Ok(d);
    }
    match number_len(text.as_bytes()) {
        Ok(len) if len == text.len() => exact_decimal(text),
        Ok(_) | Err(_) => Err(not_a_decimal(text)),
    }
}

/// Reads a whole number written as a JSON number without fraction or
/// exponent (`-?(0|[1-9][0-9]*)`) within 64 bits; `None` otherwise.
pub fn parse_int(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let whole = number_len(bytes).ok()? == bytes.len() && !bytes.iter().any(|b| matches!(b, b'.' | b'e' | b'E'));
    whole.then(|| text.parse().ok()).flatten()
}

/// The value of a text that is a JSON number, exactly, or why it cannot be held.
fn exact_decimal(text: &str) -> Result<Decimal, String> {
    let body = text.strip_prefix('-').unwrap_or(text);
    let (mantissa_text, exponent_text) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i).unwrap_or(""), body.get(i + 1..)),
        None => (body, None),
    };
    let (whole, fraction) = mantissa_text.split_once('.').unwrap_or((mantissa_text, ""));
    // a huge exponent saturates: its number is then far too large or too small either way
    let exponent = exponent_text.map_or(0i64, |e| {
        let (negative, digits) = match e.as_bytes().first() {
            Some(b'-') => (true, e.get(1..).unwrap_or("")),
            Some(b'+') => (false, e.get(1..).unwrap_or("")),
            _ => (false, e),
        };
        let magnitude = digits.bytes().fold(0i64, |n, d| n.saturating_mul(10).saturating_add(i64::from(d - b'0')));
        if negative {
            -magnitude
        } else {
            magnitude
        }
    });
    // the value is digits × 10^-scale, digits without their leading zeros
    let all: Vec<u8> = whole.bytes().chain(fraction.bytes()).skip_while(|&d| d == b'0').collect();
    let mut scale = (fraction.len() as i64).saturating_sub(exponent);
    let mut digits = all.as_slice();
    if digits.is_empty() {
        // zero is exact at any scale; keep what the text shows, as far as it goes
        return Ok(Decimal::new(0, scale.clamp(0, MAX_SCALE) as u32));
    }
    // trailing zeros change nothing: drop them while the number would not fit
    while (scale > MAX_SCALE || digits.len() > MAX_DIGITS) && digits.last() == Some(&b'0') {
        digits = digits.split_last().map_or(digits, |(_, rest)| rest);
        scale = scale.saturating_sub(1);
    }
    let zeros = usize::try_from(scale.min(0).saturating_neg()).unwrap_or(usize::MAX);
    let held = (scale <= MAX_SCALE && digits.len().saturating_add(zeros) <= MAX_DIGITS)
        .then(|| {
            digits.iter().chain(std::iter::repeat_n(&b'0', zeros)).fold(0u128, |m, &d| m * 10 + u128::from(d - b'0'))
        })
        .and_then(|mantissa| i128::try_from(mantissa).ok())
        .and_then(|m| {
            Decimal::try_from_i128_with_scale(if text.starts_with('-') { -m } else { m }, scale.max(0) as u32).ok()
        });
    held.ok_or_else(|| {
        let shown = shorten(text);
        if whole_part_too_large(digits, scale) {
            format!("`{shown}` is too large for an exact decimal (at most 79228162514264337593543950335)")
        } else {
            format!(
                "`{shown}` has more digits than an exact decimal holds (28 after the point, 28 or 29 in all): it \
                 would have to be rounded"
            )
        }
    })
}

/// True when the whole part of digits × 10^-scale is beyond `Decimal::MAX`.
fn whole_part_too_large(digits: &[u8], scale: i64) -> bool {
    let whole_len = (digits.len() as i64).saturating_sub(scale);
    if whole_len > MAX_DIGITS as i64 {
        return true;
    }
    let whole_len = usize::try_from(whole_len).unwrap_or(0);
    let whole = digits.iter().chain(std::iter::repeat(&b'0')).take(whole_len);
    whole.fold(0u128, |m, &d| m * 10 + u128::from(d - b'0')) > 79_228_162_514_264_337_593_543_950_335
}

/// The most places after the point a `Decimal` holds.
const MAX_SCALE: i64 = 28;
/// The most digits a `Decimal`'s 96-bit mantissa can have (not every 29-digit number fits).
const MAX_DIGITS: usize = 29;

/// Why `text` is not a decimal number, with the fix when one is plain.
fn not_a_decimal(text: &str) -> String {
    let shown = shorten(text);
    let trimmed = text.trim();
    let fix = if trimmed.is_empty() {
        "write digits, e.g. `12000.50`".to_string()
    } else if trimmed != text {
        "remove the white space around it".to_string()
    } else if text.contains(',') && !text.contains(['e', 'E']) {
        format!("no thousands separators: write `{}`", shorten(&text.replace(',', "")))
    } else if text.contains('_') {
        format!("no `_` separators in data: write `{}`", shorten(&text.replace('_', "")))
    } else if let Some(rest) = text.strip_prefix('+') {
        format!("no `+` sign: write `{}`", shorten(rest))
    } else if text.starts_with('.') || text.starts_with("-.") {
        format!("write `{}`", shorten(&text.replacen('.', "0.", 1)))
    } else if text.ends_with('.') {
        format!("write `{}`", shorten(text.trim_end_matches('.')))
    } else if text.chars().any(|c| c.is_numeric() && !c.is_ascii_digit()) {
        "write ASCII digits (0–9), not full-width or other digits".to_string()
    } else {
        match number_len(text.as_bytes()) {
            Err(NumberError::LeadingZero) => {
                let (sign, body) = text.strip_prefix('-').map_or(("", text), |b| ("-", b));
                let stripped = body.trim_start_matches('0');
                let fixed = if stripped.is_empty() || stripped.starts_with(['.', 'e', 'E']) {
                    format!("{sign}0{stripped}")
                } else {
                    format!("{sign}{stripped}")
                };
                format!("no leading zeros: write `{}`", shorten(&fixed))
            }
            Err(e) => e.what().to_string(),
            Ok(_) => "write digits with an optional `-`, `.` and exponent, e.g. `12000.50`".to_string(),
        }
    };
    format!("`{shown}` is not a decimal number: {fix}")
}

/// `text` shortened for a message: a hostile input may be a megabyte long.
pub(crate) fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 48;
    if text.chars().count() <= MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let head: String = text.chars().take(MAX).collect();
    std::borrow::Cow::Owned(format!("{head}…"))
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with at most 18 digits, the common case, read directly.
pub(crate) fn parse_plain_decimal(bytes: &[u8]) -> Option<Decimal> {
    match plain_decimal_prefix(bytes)? {
        (decimal, len) if len == bytes.len() => Some(decimal),
        _ => None,
    }
}

/// The decimal [`parse_plain_decimal`] reads at the start of `bytes`, and how
/// many bytes it takes: the digits and point end at the first other byte,
/// which the caller checks (a closing quote, say). A leading zero before
/// another digit, and an exponent, are left to the general reader.
pub(crate) fn plain_decimal_prefix(bytes: &[u8]) -> Option<(Decimal, usize)> {
    let (negative, digits) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, bytes),
    };
    // digits beyond 18 wrap the mantissa, but such a number is refused below
    let mut mantissa: u64 = 0;
    let mut at = 0;
    let mut take_digits = |at: &mut usize| {
        let start = *at;
        while let Some(digit) = digits.get(*at).map(|b| b.wrapping_sub(b'0')).filter(|&d| d < 10) {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(digit));
            *at += 1;
        }
        *at - start
    };
    let whole = take_digits(&mut at);
    if whole > 1 && digits.first() == Some(&b'0') {
        return None;
    }
    let mut scale = 0;
    if whole > 0 && digits.get(at) == Some(&b'.') {
        at += 1;
        scale = take_digits(&mut at);
        if scale == 0 {
            return None;
        }
    }
    // more digits than that, and exponents, are left to the general parser
    if whole == 0 || whole + scale > 18 || matches!(digits.get(at), Some(b'e' | b'E')) {
        return None;
    }
    let mantissa = i64::try_from(mantissa).ok()?;
    Some((Decimal::new(if negative { -mantissa } else { mantissa }, scale as u32), usize::from(negative) + at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    /// RFC 8259's number grammar, written out plainly, to hold `number_len` to.
    fn is_json_number(text: &str) -> bool {
        let b = text.as_bytes();
        let mut i = usize::from(b.first() == Some(&b'-'));
        let digits = |i: &mut usize| {
            let start = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - start
        };
        let start = i;
        let n = digits(&mut i);
        if n == 0 || (n > 1 && b.get(start) == Some(&b'0')) {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return false;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return false;
            }
        }
        i == b.len()
    }

    proptest::proptest! {
        /// The grammar is RFC 8259's, and a number it accepts is read to the
        /// value rust_decimal reads when that value is exact.
        #[test]
        fn numbers_follow_rfc_8259(text in "-?[0-9]{0,4}(\\.[0-9]{0,3})?([eE][-+]?[0-9]{0,2})?") {
            let whole = number_len(text.as_bytes()) == Ok(text.len());
            proptest::prop_assert_eq!(whole, is_json_number(&text), "{}", text);
            let read = parse_decimal(&text);
            proptest::prop_assert!(whole || read.is_err(), "{}", text);
            if whole && !text.contains(['e', 'E']) {
                proptest::prop_assert_eq!(read.ok(), Decimal::from_str(&text).ok(), "{}", text);
            } else if let (Ok(read), Ok(scientific)) = (read, Decimal::from_scientific(&text)) {
                proptest::prop_assert_eq!(read, scientific, "{}", text);
            }
        }

        /// Exactly `-?(0|[1-9]digits)(.digits)?` with at most 18 digits is read
        /// by the plain reader, to the value rust_decimal reads; followed by a
        /// quote, the prefix reader reads the same and stops at the quote.
        #[test]
        fn plain_decimals_are_exactly_the_plain_form(text in "[-0-9.e]{0,22}") {
            let body = text.strip_prefix('-').unwrap_or(&text);
            let (whole, fraction) = body.split_once('.').map_or((body, None), |(w, f)| (w, Some(f)));
            let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
            let plain = digits(whole)
                && !(whole.len() > 1 && whole.starts_with('0'))
                && fraction.is_none_or(digits)
                && whole.len() + fraction.map_or(0, str::len) <= 18;
            let read = parse_plain_decimal(text.as_bytes());
            proptest::prop_assert_eq!(read.is_some(), plain, "{}", text);
            if let Some(read) = read {
                proptest::prop_assert_eq!(Some(read), Decimal::from_str(&text).ok());
                proptest::prop_assert_eq!(parse_decimal(&text), Ok(read));
            }
            let quoted = format!("{text}\"");
            let prefix = plain_decimal_prefix(quoted.as_bytes()).filter(|&(_, len)| len == text.len());
            proptest::prop_assert_eq!(prefix.map(|(d, _)| d), read);
        }

        /// Any digits with a point anywhere, up to 40 of them: read exactly or
        /// refused, never rounded (the value read, written out, is the text's).
        #[test]
        fn long_decimals_are_exact_or_refused(whole in "[1-9][0-9]{0,30}", fraction in "[0-9]{0,30}") {
            let text = if fraction.is_empty() { whole.clone() } else { format!("{whole}.{fraction}") };
            if let Ok(d) = parse_decimal(&text) {
                let written = d.to_string();
                let strip = |t: &str| if t.contains('.') { t.trim_end_matches('0').trim_end_matches('.').to_string() } else { t.to_string() };
                proptest::prop_assert_eq!(strip(&written), strip(&text));
            }
        }
    }

    #[test]
    fn plain_decimals_read_exactly() {
        for text in [
            "0",
            "12000.00",
            "-0.5",
            "0.0350",
            "999999999999999999",
            "1.000000000000000001",
            "-12.5",
            "9999999999999999999",
            "-99999999999.99999999",
            "123456789012345678",
            "1234567890123456789",
            "12345678901234567.89",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551615",
            "0.000000000000000001",
            "79228162514264337593543950335",
            "7.9228162514264337593543950335",
            "0.0000000000000000000000000001",
        ] {
            assert_eq!(parse_decimal(text), Ok(Decimal::from_str(text).unwrap_or_default()), "{text}");
        }
        assert_eq!(parse_decimal("1e3").map(|d| d.normalize().to_string()).as_deref(), Ok("1000"));
        assert_eq!(parse_decimal("1.5E-2").map(|d| d.to_string()).as_deref(), Ok("0.015"));
        assert_eq!(parse_decimal("-0").map(|d| d.is_sign_negative()), Ok(false), "-0 is 0");
        assert_eq!(parse_decimal("10e-29").map(|d| d.to_string()).as_deref(), Ok("0.0000000000000000000000000001"));
    }

    #[test]
    fn decimals_that_would_be_rounded_are_refused() {
        for text in [
            "200000.000000000000000000000001",
            "0.00000000000000000000000000001",
            "1e-29",
            "7.92281625142643375935439503351",
            "3.14159265358979323846264338327950288",
        ] {
            let e = parse_decimal(text).expect_err(text);
            assert!(e.contains("would have to be rounded"), "{text}: {e}");
        }
        for text in ["79228162514264337593543950336", "1e29", "1e999999999999999999999", "-1e40"] {
            let e = parse_decimal(text).expect_err(text);
            assert!(e.contains("too large"), "{text}: {e}");
        }
        // zeros that change nothing: the value is exact
        let long_one = format!("1.{}", "0".repeat(40));
        assert_eq!(parse_decimal(&long_one), Ok(Decimal::ONE));
        assert_eq!(parse_decimal(&format!("0.{}", "0".repeat(40))), Ok(Decimal::ZERO));
        assert_eq!(parse_decimal("0e-99999"), Ok(Decimal::ZERO));
        assert_eq!(
            parse_decimal("100000000000000000000000000000e-2").ok(),
            Decimal::from_str("1000000000000000000000000000").ok()
        );
    }

    #[test]
    fn what_is_not_a_json_number_says_how_to_write_it() {
        let cases = [
            ("0700", "no leading zeros: write `700`"),
            ("-007.5", "no leading zeros: write `-7.5`"),
            ("00.5", "no leading zeros: write `0.5`"),
            ("+5", "no `+` sign: write `5`"),
            (".5", "write `0.5`"),
            ("-.5", "write `-0.5`"),
            ("5.", "write `5`"),
            ("12,000.50", "no thousands separators: write `12000.50`"),
            ("1_000", "no `_` separators in data: write `1000`"),
            (" 12.5", "remove the white space around it"),
            ("12.5\t", "remove the white space around it"),
            ("", "write digits, e.g. `12000.50`"),
            ("１２", "write ASCII digits (0–9), not full-width or other digits"),
            ("1e", "an exponent needs digits"),
            ("1.2.3", "write digits with an optional `-`, `.` and exponent, e.g. `12000.50`"),
            ("NaN", "a number starts with a digit or `-` and a digit"),
        ];
        for (text, fix) in cases {
            assert_eq!(parse_decimal(text), Err(format!("`{text}` is not a decimal number: {fix}")), "{text:?}");
        }
        let long = "9".repeat(1000) + "x";
        assert!(parse_decimal(&long).is_err_and(|e| e.len() < 200), "a long input is shortened in the message");
    }

    #[test]
    fn whole_numbers_are_json_integers() {
        assert_eq!(parse_int("-0"), Some(0));
        assert_eq!(parse_int("9223372036854775807"), Some(i64::MAX));
        for bad in ["007", "+1", "1.0", "1e2", "9223372036854775808", "", "-", "1_000", " 1"] {
            assert_eq!(parse_int(bad), None, "{bad:?}");
        }
    }
}
