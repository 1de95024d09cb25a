//! Dates as complaints carry them: `2024-03-05`, `2024/3/5`, `2024.3.5`, `2024年3月5日`, `20240305`, with or
//! without a time after them. Read into `YYYY-MM-DD`, which sorts as the date does.

/// The day of a date as written, `YYYY-MM-DD`; `None` when it is not a date this reads.
pub fn parse_date(text: &str) -> Option<String> {
    let text = text.trim();
    let mut numbers: Vec<&str> = Vec::with_capacity(3);
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                numbers.push(&text[s..i]);
                start = None;
                if numbers.len() == 3 {
                    break;
                }
            }
            _ => {}
        }
    }
    if let Some(s) = start.filter(|_| numbers.len() < 3) {
        numbers.push(&text[s..]);
    }
    let (year, month, day) = match numbers[..] {
        [compact] if compact.len() == 8 => (&compact[..4], &compact[4..6], &compact[6..]),
        [year, month, day, ..] => (year, month, day),
        _ => return None,
    };
    let (year, month, day): (u32, u32, u32) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    ((1900..=2200).contains(&year) && (1..=days_in_month).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn common_forms_read_as_one_day() {
        for written in [
            "2024-03-05",
            "2024/3/5",
            "2024.03.05",
            "2024年3月5日",
            "20240305",
            "2024-03-05 14:30:00",
            " 2024-3-5T08:00 ",
        ] {
            assert_eq!(
                parse_date(written).as_deref(),
                Some("2024-03-05"),
                "{written}"
            );
        }
    }

    #[test]
    fn what_is_not_a_day_is_refused() {
        for written in ["", "下周", "2024-02-30", "2023-13-01", "12345", "2024-03"] {
            assert_eq!(parse_date(written), None, "{written}");
        }
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
    }
}
