//! Money amounts written in a question ("HK$10 billion", "$600k", "ten million dollars",
//! "100億", "六十萬"), so that a question quoting a scheme's figure finds that scheme.
//!
//! Works on normalised text (lower case, Simplified). Only amounts that carry a currency mark
//! or a magnitude word and come to at least HK$1,000 count: "3 projects" is not money.

/// Every money amount in `text`, in whole Hong Kong dollars.
#[must_use]
pub fn amounts(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let Some((value, next)) = number(&chars, i) else {
            i += 1;
            continue;
        };
        i = next;
        let currency_before = preceded_by_currency(&chars[..start]);
        let (scale, after_scale) = magnitude(&chars, i);
        i = after_scale;
        let currency_after = followed_by_currency(&chars, i);
        if scale > 1.0 || currency_before || currency_after {
            let amount = value * scale;
            if (1_000.0..1e13).contains(&amount) {
                out.push(amount.round() as u64);
            }
        }
    }
    out
}

/// Whether two amounts are the same figure (allowing rounding in how people quote it).
#[must_use]
pub fn same_amount(a: u64, b: u64) -> bool {
    let (a, b) = (a as f64, b as f64);
    (a - b).abs() <= 0.01 * a.max(b)
}

/// A matching ratio quoted in a question: the Government's share to the other side's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quoted {
    /// The Government's parts.
    pub government: u32,
    /// The other side's parts (the applicant's, or the market's).
    pub partner: u32,
    /// Whether the order is known ("政府出四分三" is the Government's share); "2:1 funding"
    /// may be written either way round.
    pub ordered: bool,
}

impl Quoted {
    /// Whether a scheme's `government : partner` matching is this ratio.
    #[must_use]
    pub fn fits(&self, government: u32, partner: u32) -> bool {
        let same = |g: u32, p: u32| {
            u64::from(g) * u64::from(partner) == u64::from(p) * u64::from(government)
        };
        same(self.government, self.partner)
            || (!self.ordered && same(self.partner, self.government))
    }
}

/// Words naming the Government's side before a share ("政府出四分三").
const GOVERNMENT_WORDS: [&str; 4] = ["政府", "government", "gov", "港府"];

/// Words naming the applicant's side before a share ("我哋出四分一", "公司自己出").
const PARTNER_WORDS: [&str; 9] = [
    "我", "公司", "自己", "企业", "we ", "our ", "company", "us ", "学校",
];

/// Matching ratios quoted in normalised `text` (lower case, Simplified): "2:1", "3 比 1",
/// "一对一", "四分三" / "四分之三" (a share), "一半" / "half" / "dollar for dollar" (1:1),
/// "三分之一" / "one third" (1:2). A share belongs to the Government unless the applicant's
/// side is named just before it.
#[must_use]
pub fn ratios(text: &str) -> Vec<Quoted> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let side = |at: usize| -> Option<bool> {
        let before: String = chars[at.saturating_sub(8)..at].iter().collect();
        let gov = GOVERNMENT_WORDS
            .iter()
            .filter_map(|w| before.rfind(w))
            .max();
        let own = PARTNER_WORDS.iter().filter_map(|w| before.rfind(w)).max();
        match (gov, own) {
            (Some(g), Some(o)) => Some(g > o),
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            (None, None) => None,
        }
    };
    let mut i = 0;
    while i < chars.len() {
        let Some((a, next)) = number(&chars, i) else {
            i += 1;
            continue;
        };
        let mut j = next;
        while chars.get(j) == Some(&' ') {
            j += 1;
        }
        let rest: String = chars[j..].iter().take(4).collect();
        // "a : b", "a 比 b", "a 对 b" ("2 to 3 years" is a range, so not "to")
        let sep = [":", "：", "比", "对"]
            .iter()
            .find(|p| rest.starts_with(**p))
            .map(|p| p.chars().count());
        // "四分三", "四分之三": b parts of a
        let share = ["分之", "分"]
            .iter()
            .find(|p| rest.starts_with(**p))
            .map(|p| p.chars().count());
        if let Some(n) = sep {
            let mut k = j + n;
            while chars.get(k) == Some(&' ') {
                k += 1;
            }
            if k < chars.len()
                && let Some((b, after)) = number(&chars, k)
                && (1.0..=20.0).contains(&a)
                && (1.0..=20.0).contains(&b)
                && a.fract() == 0.0
                && b.fract() == 0.0
            {
                out.push(Quoted {
                    government: a as u32,
                    partner: b as u32,
                    ordered: false,
                });
                i = after;
                continue;
            }
        }
        if let Some(n) = share
            && j + n < chars.len()
            && let Some((part, after)) = number(&chars, j + n)
            && a.fract() == 0.0
            && part.fract() == 0.0
            && part < a
            && a <= 10.0
        {
            let (whole, part) = (a as u32, part as u32);
            let government = side(i).unwrap_or(true);
            let (g, p) = if government {
                (part, whole - part)
            } else {
                (whole - part, part)
            };
            out.push(Quoted {
                government: g,
                partner: p,
                ordered: true,
            });
            i = after;
            continue;
        }
        i = next;
    }
    for (phrase, g, p) in [
        ("一半", 1, 1),
        ("half", 1, 1),
        ("dollar for dollar", 1, 1),
        ("dollar-for-dollar", 1, 1),
        ("one third", 1, 2),
        ("a third", 1, 2),
        ("two thirds", 2, 1),
    ] {
        // English phrases are whole words ("on behalf of" has no half).
        let whole = |at: usize| {
            !phrase.is_ascii()
                || (!text[..at].ends_with(|c: char| c.is_ascii_alphanumeric())
                    && !text[at + phrase.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()))
        };
        if let Some(at) = text
            .match_indices(phrase)
            .map(|(at, _)| at)
            .find(|&at| whole(at))
        {
            let at = text[..at].chars().count();
            let government = side(at).unwrap_or(true);
            let (g, p) = if government { (g, p) } else { (p, g) };
            out.push(Quoted {
                government: g,
                partner: p,
                ordered: true,
            });
        }
    }
    out
}

/// Words for the people a firm employs, after a number ("20 staff", "十几个伙计"), in normalised
/// text (lower case, Simplified).
const STAFF_WORDS: [&str; 11] = [
    "员工",
    "伙计",
    "伙记",
    "同事",
    "人",
    "staff",
    "employees",
    "employee",
    "people",
    "workers",
    "full-time",
];

/// The headcount a question states for the asker's firm, in normalised `text` (lower case,
/// Simplified): "30 staff", "得十几个伙记" (a dozen or so: 15), "二十人", "4 full-time
/// employees". `None` when no number is followed by a word for staff.
#[must_use]
pub fn headcount(text: &str) -> Option<u32> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let Some((v, mut j)) = number(&chars, i) else {
            i += 1;
            continue;
        };
        let mut v = v;
        // "十几", "二十几": a few more than the tens.
        if chars.get(j) == Some(&'几') {
            v += 5.0;
            j += 1;
        }
        while chars.get(j) == Some(&' ') {
            j += 1;
        }
        if matches!(chars.get(j), Some('个' | '名' | '位')) {
            j += 1;
        }
        let rest: String = chars[j..].iter().take(12).collect();
        let rest = rest.trim_start();
        if STAFF_WORDS.iter().any(|w| rest.starts_with(w)) && v >= 1.0 {
            // Whole people: the cast saturates, which is right for absurd figures.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return Some(v as u32);
        }
        i = j.max(i + 1);
    }
    None
}

fn number(chars: &[char], i: usize) -> Option<(f64, usize)> {
    if chars[i].is_ascii_digit() {
        // Do not start inside a word such as "rth2".
        if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
            return None;
        }
        let mut j = i;
        let mut s = String::new();
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == ',' || chars[j] == '.') {
            if chars[j] != ',' {
                s.push(chars[j]);
            }
            j += 1;
        }
        let s = s.trim_end_matches('.');
        return s.parse::<f64>().ok().map(|v| (v, j));
    }
    if let Some(v) = chinese_digit(chars[i]) {
        let mut j = i;
        let mut total = 0.0;
        let mut current = v;
        j += 1;
        while j < chars.len() {
            if let Some(d) = chinese_digit(chars[j]) {
                current = current * 10.0 + d;
            } else if chars[j] == '十' {
                total += current.max(1.0) * 10.0;
                current = 0.0;
            } else if chars[j] == '百' {
                total += current.max(1.0) * 100.0;
                current = 0.0;
            } else {
                break;
            }
            j += 1;
        }
        return Some((total + current, j));
    }
    // "廿五萬", "卅": twenty and thirty in one character.
    if let Some(tens) = match chars[i] {
        '廿' => Some(20.0),
        '卅' => Some(30.0),
        _ => None,
    } {
        return Some(match chars.get(i + 1).and_then(|&c| chinese_digit(c)) {
            Some(d) => (tens + d, i + 2),
            None => (tens, i + 1),
        });
    }
    if chars[i] == '十' {
        let (rest, j) = match chars.get(i + 1).and_then(|&c| chinese_digit(c)) {
            Some(d) => (d, i + 2),
            None => (0.0, i + 1),
        };
        return Some((10.0 + rest, j));
    }
    if chars[i].is_ascii_alphabetic() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
        let word: String = chars[i..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let v = match word.as_str() {
            "one" => 1.0,
            "two" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "fifteen" => 15.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "fifty" => 50.0,
            "hundred" => 100.0,
            _ => return None,
        };
        return Some((v, i + word.chars().count()));
    }
    None
}

fn chinese_digit(c: char) -> Option<f64> {
    Some(match c {
        '零' => 0.0,
        '一' => 1.0,
        '二' | '两' => 2.0,
        '三' => 3.0,
        '四' => 4.0,
        '五' => 5.0,
        '六' => 6.0,
        '七' => 7.0,
        '八' => 8.0,
        '九' => 9.0,
        _ => return None,
    })
}

/// A magnitude after the number: words and suffixes, possibly compound ("百万", "hundred
/// million"). Returns the multiplier and where the magnitude ends.
fn magnitude(chars: &[char], mut i: usize) -> (f64, usize) {
    let mut scale = 1.0;
    loop {
        let mut j = i;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let word: String = chars[j..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let ascii = match word.as_str() {
            "k" | "thousand" => Some(1e3),
            "m" | "mn" | "mil" | "million" | "millions" => Some(1e6),
            "b" | "bn" | "billion" | "billions" => Some(1e9),
            "hundred" => Some(1e2),
            _ => None,
        };
        if let Some(s) = ascii {
            scale *= s;
            i = j + word.chars().count();
            continue;
        }
        let han = match chars.get(i) {
            Some('千') => Some(1e3),
            Some('万') => Some(1e4),
            Some('亿') => Some(1e8),
            Some('百') => Some(1e2),
            _ => None,
        };
        match han {
            Some(s) => {
                scale *= s;
                i += 1;
            }
            None => return (scale, i),
        }
    }
}

fn preceded_by_currency(before: &[char]) -> bool {
    let tail: String = before
        .iter()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let tail = tail.trim_end();
    tail.ends_with('$') || tail.ends_with("hkd") || tail.ends_with("港币") || tail.ends_with("港元")
}

fn followed_by_currency(chars: &[char], i: usize) -> bool {
    let rest: String = chars[i..].iter().take(8).collect();
    let rest = rest.trim_start();
    ["dollar", "hkd", "hk$", "元", "蚊", "港币", "港元", "块"]
        .iter()
        .any(|c| rest.starts_with(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_ways_of_writing_money() {
        assert_eq!(amounts("hk$10 billion in total"), vec![10_000_000_000]);
        assert_eq!(amounts("up to ten million dollars"), vec![10_000_000]);
        assert_eq!(amounts("a $600k cap"), vec![600_000]);
        assert_eq!(amounts("hk$600,000"), vec![600_000]);
        assert_eq!(amounts("100亿嘅基金"), vec![10_000_000_000]);
        assert_eq!(amounts("1.8亿"), vec![180_000_000]);
        assert_eq!(amounts("六十万"), vec![600_000]);
        assert_eq!(amounts("十亿"), vec![1_000_000_000]);
        assert_eq!(amounts("一百五十万"), vec![1_500_000]);
    }

    #[test]
    fn reads_matching_ratios() {
        let r = ratios("以前政府出四分三、公司自己出四分一");
        assert!(r.iter().all(|q| q.fits(3, 1)), "{r:?}");
        assert_eq!(r.len(), 2);
        assert!(
            ratios("got 2:1 funding")
                .iter()
                .any(|q| q.fits(2, 1) && q.fits(1, 2))
        );
        assert!(ratios("政府可唔可以出一半钱").iter().any(|q| q.fits(1, 1)));
        assert!(
            ratios("三分之二")
                .iter()
                .any(|q| q.fits(2, 1) && !q.fits(1, 2))
        );
        assert!(ratios("in 2024 we had 3 staff").is_empty());
        assert!(ratios("applying on behalf of my company").is_empty());
        assert!(ratios("24 months").is_empty());
    }

    #[test]
    fn reads_twenty_and_thirty_in_one_character() {
        assert!(amounts("最多廿五万").contains(&250_000));
        assert!(amounts("卅万").contains(&300_000));
    }

    #[test]
    fn reads_a_stated_headcount() {
        assert_eq!(headcount("我喺观塘开咗间公司，得十几个伙记"), Some(15));
        assert_eq!(headcount("we have 30 staff"), Some(30));
        assert_eq!(headcount("我们是二十人的公司"), Some(20));
        assert_eq!(headcount("a company of 1,200 employees"), Some(1200));
        assert_eq!(headcount("funding up to 30 million"), None);
        assert_eq!(headcount("成立咗三年"), None);
    }

    #[test]
    fn ignores_counts_and_codes() {
        assert!(amounts("3 projects in 2024").is_empty());
        assert!(amounts("rth2 and cap 622").is_empty());
        assert!(amounts("24 months").is_empty());
    }
}
