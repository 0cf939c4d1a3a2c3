//! Byte-level scanning shared by the JSON readers ([`super::json`],
//! [`super::plan`]): where a plain string ends, and short-key comparison.

/// How many bytes at the start of `bytes` can be taken as they are inside a
/// JSON string: up to the first quote, backslash or control character. Eight bytes
/// are tested at a time (each test finds the lowest matching byte exactly:
/// a borrow only runs upwards from a byte that matched).
pub(crate) fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has = |v: u64, byte: u8| {
        let x = v ^ (ONES * u64::from(byte));
        x.wrapping_sub(ONES) & !x
    };
    let mut offset = 0;
    for chunk in bytes.chunks_exact(8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else { break };
        let v = u64::from_le_bytes(word);
        let below_space = v.wrapping_sub(ONES * 0x20) & !v;
        let found = (has(v, b'"') | has(v, b'\\') | below_space) & HIGH;
        if found != 0 {
            return offset + (found.trailing_zeros() / 8) as usize;
        }
        offset += 8;
    }
    let tail = bytes.get(offset..).unwrap_or_default();
    offset + tail.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(tail.len())
}

/// `a == b` for short byte strings such as keys, a word at a time, without
/// calling `memcmp` (which costs more than the comparison for a dozen bytes):
/// whole eight-byte words, then the last eight bytes (overlapping the words
/// before); shorter strings as two overlapping four-byte words.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    #[inline]
    fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        s.get(at..at + N).and_then(|w| <[u8; N]>::try_from(w).ok()).unwrap_or([0; N])
    }
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n >= 8 {
        let mut at = 0;
        while at + 8 < n {
            if word::<8>(a, at) != word::<8>(b, at) {
                return false;
            }
            at += 8;
        }
        word::<8>(a, n - 8) == word::<8>(b, n - 8)
    } else if n >= 4 {
        word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_is_byte_equality() {
        let words: [&[u8]; 9] = [
            b"",
            b"a",
            b"id",
            b"id_number",
            b"id_numbex",
            b"overdue_count_24m",
            b"overdue_count_24n",
            b"12345678",
            b"12345679",
        ];
        for a in words {
            for b in words {
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
        // every length across the word sizes, a difference at every position
        for n in 0..=25u8 {
            let base: Vec<u8> = (0..n).map(|i| b'a' + i).collect();
            assert!(same_bytes(&base, &base.clone()), "{n}");
            for at in 0..usize::from(n) {
                let mut other = base.clone();
                other[at] ^= 0x20;
                assert!(!same_bytes(&base, &other), "{n} {at}");
            }
        }
    }

    #[test]
    fn plain_len_stops_at_the_first_quote_backslash_or_control_byte() {
        let naive = |b: &[u8]| b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20).unwrap_or(b.len());
        let alphabet: &[u8] = b"a\"\\\x00\x1f \x7f\x80\xff\xe4z";
        let mut x: u64 = 7;
        for len in 0..40 {
            for _ in 0..200 {
                let text: Vec<u8> = (0..len)
                    .map(|_| {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        // mostly plain bytes, now and then a special one
                        let pick = (x >> 33) as usize % (alphabet.len() * 4);
                        alphabet.get(pick).copied().unwrap_or(b'q')
                    })
                    .collect();
                assert_eq!(plain_len(&text), naive(&text), "{text:?}");
            }
        }
    }
}
