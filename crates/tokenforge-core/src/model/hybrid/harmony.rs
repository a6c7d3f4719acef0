//! Turkish casing (dotted and dotless i) and affix harmony: which allomorph of an affix group follows a word.

const BACK: &[char] = &['a', 'ı', 'o', 'u'];
const FRONT: &[char] = &['e', 'i', 'ö', 'ü'];
const VOICELESS: &[char] = &['ç', 'f', 'h', 'k', 'p', 's', 'ş', 't'];

fn is_vowel(c: char) -> bool {
    BACK.contains(&c) || FRONT.contains(&c)
}

/// The high vowel that follows each vowel (backness and rounding).
fn high(vowel: char) -> char {
    match vowel {
        'a' | 'ı' => 'ı',
        'o' | 'u' => 'u',
        'e' | 'i' => 'i',
        _ => 'ü',
    }
}

/// Lower case of one character, with Turkish `I` → `ı` and `İ` → `i` when `turkish`.
pub fn lower(c: char, turkish: bool, out: &mut String) {
    match c {
        'I' if turkish => out.push('ı'),
        'İ' if turkish => out.push('i'),
        _ => out.extend(c.to_lowercase()),
    }
}

/// Upper case of one character, with Turkish `i` → `İ` and `ı` → `I` when `turkish`.
pub fn upper(c: char, turkish: bool, out: &mut String) {
    match c {
        'i' if turkish => out.push('İ'),
        'ı' if turkish => out.push('I'),
        _ => out.extend(c.to_uppercase()),
    }
}

/// The group of an affix: its archiphoneme spelling (letters that alternate by harmony or assimilation
/// replaced by their class) with `harmony`, else the affix itself.
pub fn affix_key(affix: &str, harmony: bool) -> String {
    if !harmony {
        return affix.to_owned();
    }
    affix
        .chars()
        .map(|c| match c {
            'a' | 'e' => 'A',
            'ı' | 'i' | 'u' | 'ü' => 'I',
            'd' | 't' => 'D',
            'c' | 'ç' => 'C',
            _ => c,
        })
        .collect()
}

/// The allomorph of a group that Turkish harmony picks after the lower-case text `before`: the vowel class
/// follows the vowel before it, the affix's own vowels included (a/e by backness; ı/i/u/ü by backness and
/// rounding), d/t and c/ç by the voicing of the last letter. The first allomorph when none fits.
pub fn realise<'g>(allomorphs: &'g [String], before: &str) -> &'g str {
    let start_vowel = before.chars().rev().find(|&c| is_vowel(c));
    let last = before.chars().next_back();
    let fits = |form: &str| {
        if let (Some(first), Some(last)) = (form.chars().next(), last) {
            if matches!(first, 'd' | 't' | 'c' | 'ç') && matches!(first, 't' | 'ç') != VOICELESS.contains(&last) {
                return false;
            }
        }
        let mut vowel = start_vowel;
        for c in form.chars() {
            if let Some(v) = vowel {
                if matches!(c, 'a' | 'e') && (c == 'a') != BACK.contains(&v) {
                    return false;
                }
                if matches!(c, 'ı' | 'i' | 'u' | 'ü') && c != high(v) {
                    return false;
                }
            }
            if is_vowel(c) {
                vowel = Some(c);
            }
        }
        true
    };
    allomorphs.iter().find(|f| fits(f)).unwrap_or(&allomorphs[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(forms: &[&str]) -> Vec<String> {
        forms.iter().map(|f| f.to_string()).collect()
    }

    #[test]
    fn harmony_groups_and_picks_allomorphs() {
        assert_eq!(affix_key("ler", true), "lAr");
        assert_eq!(affix_key("lar", true), "lAr");
        assert_eq!(affix_key("dı", true), affix_key("ti", true));
        assert_eq!(affix_key("ler", false), "ler");
        let plural = group(&["lar", "ler"]);
        assert_eq!(realise(&plural, "kitap"), "lar");
        assert_eq!(realise(&plural, "ev"), "ler");
        let past = group(&["dı", "di", "du", "dü", "tı", "ti", "tu", "tü"]);
        assert_eq!(realise(&past, "gel"), "di");
        assert_eq!(realise(&past, "yap"), "tı");
        assert_eq!(realise(&past, ""), "dı");
    }
}
