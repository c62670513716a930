//! CONS-5: the business clock. Deadlines of consultations run in business time: only the working
//! hours of working days count, in Dutch local time (Europe/Amsterdam, summer time included),
//! with the Dutch public holidays computed per year. Which days count is the region's
//! configuration ([`BusinessCalendar`]); its default is documented on [`BusinessCalendar::default`]
//! and in docs/consultations.md.
//!
//! Business time is real elapsed time (UTC) during which the Dutch clock shows working hours on a
//! working day, so a working window on a day the clocks change is as long as it really is.

use time::{Date, Duration, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

/// The official Dutch public holidays ("officiële feestdagen", as the government lists them).
/// Which of them are days off is the calendar's choice ([`BusinessCalendar`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::EnumIter)]
pub enum Holiday {
    /// 1 January.
    NewYearsDay,
    /// Easter Sunday minus 2 days.
    GoodFriday,
    /// The Western (Gregorian) Easter Sunday, see [`easter_sunday`].
    EasterSunday,
    /// Easter Sunday plus 1 day.
    EasterMonday,
    /// 27 April, the King's birthday; when that is a Sunday, Saturday 26 April (since 2014).
    KingsDay,
    /// 5 May, every year an official holiday; a day off every year or every fifth, by agreement.
    LiberationDay,
    /// Easter Sunday plus 39 days (a Thursday).
    AscensionDay,
    /// Easter Sunday plus 49 days.
    WhitSunday,
    /// Easter Sunday plus 50 days.
    WhitMonday,
    /// 25 December.
    ChristmasDay,
    /// 26 December.
    BoxingDay,
}

impl Holiday {
    pub fn dutch_name(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "Nieuwjaarsdag",
            Holiday::GoodFriday => "Goede Vrijdag",
            Holiday::EasterSunday => "Eerste Paasdag",
            Holiday::EasterMonday => "Tweede Paasdag",
            Holiday::KingsDay => "Koningsdag",
            Holiday::LiberationDay => "Bevrijdingsdag",
            Holiday::AscensionDay => "Hemelvaartsdag",
            Holiday::WhitSunday => "Eerste Pinksterdag",
            Holiday::WhitMonday => "Tweede Pinksterdag",
            Holiday::ChristmasDay => "Eerste Kerstdag",
            Holiday::BoxingDay => "Tweede Kerstdag",
        }
    }
}

/// Easter Sunday of a year in the Gregorian calendar (the anonymous algorithm of Meeus, Jones and
/// Butcher, valid for every Gregorian year). `None` outside the dates the `time` crate holds.
pub fn easter_sunday(year: i32) -> Option<Date> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(year, month, u8::try_from(day).ok()?).ok()
}

/// Every official Dutch public holiday of a year, in date order.
pub fn holidays(year: i32) -> Vec<(Date, Holiday)> {
    let fixed = |month: Month, day: u8| Date::from_calendar_date(year, month, day).ok();
    let mut days = Vec::with_capacity(11);
    let mut push = |date: Option<Date>, holiday: Holiday| {
        if let Some(date) = date {
            days.push((date, holiday));
        }
    };
    push(fixed(Month::January, 1), Holiday::NewYearsDay);
    if let Some(easter) = easter_sunday(year) {
        let from_easter = |days: i64| easter.checked_add(Duration::days(days));
        push(from_easter(-2), Holiday::GoodFriday);
        push(Some(easter), Holiday::EasterSunday);
        push(from_easter(1), Holiday::EasterMonday);
        push(from_easter(39), Holiday::AscensionDay);
        push(from_easter(49), Holiday::WhitSunday);
        push(from_easter(50), Holiday::WhitMonday);
    }
    let kings_birthday = fixed(Month::April, 27);
    let kings_day = match kings_birthday {
        Some(date) if date.weekday() == Weekday::Sunday => date.previous_day(),
        other => other,
    };
    push(kings_day, Holiday::KingsDay);
    push(fixed(Month::May, 5), Holiday::LiberationDay);
    push(fixed(Month::December, 25), Holiday::ChristmasDay);
    push(fixed(Month::December, 26), Holiday::BoxingDay);
    days.sort_by_key(|(date, _)| *date);
    days
}

/// Whether Liberation Day (5 May) is a day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LiberationDayOff {
    EveryYear,
    /// In the years divisible by five (2025, 2030, …), as the CAO Huisartsenzorg has it.
    EveryFifthYear,
    Never,
}

/// Why a calendar cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("a business calendar needs at least one working day")]
    NoWorkingDays,
    #[error("the working hours close before they open")]
    ClosesBeforeOpening,
}

/// Which hours count (CONS-5): the region's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    working_days: [bool; 7],
    opens: Time,
    /// `None`: at midnight, the end of the day.
    closes: Option<Time>,
    good_friday_off: bool,
    liberation_day: LiberationDayOff,
}

impl Default for BusinessCalendar {
    /// The default: Monday to Friday, the whole day ("24 hours on working days", seed 004: the
    /// hours of a working day count, nights included, weekends and holidays not); days off are the
    /// holidays of the Algemene termijnenwet (New Year's Day, Easter Monday, King's Day, Ascension
    /// Day, Whit Monday, both Christmas days; Easter and Whit Sunday are Sundays), Liberation Day
    /// every fifth year (CAO Huisartsenzorg) and not Good Friday (practices are open).
    fn default() -> Self {
        BusinessCalendar {
            working_days: [true, true, true, true, true, false, false],
            opens: Time::MIDNIGHT,
            closes: None,
            good_friday_off: false,
            liberation_day: LiberationDayOff::EveryFifthYear,
        }
    }
}

/// The longest stretch the clock looks ahead for working hours (a calendar always has some).
const HORIZON_DAYS: u32 = 3 * 366;

impl BusinessCalendar {
    /// A region's calendar: its working days, opening hours (`closes` `None`: midnight) and which
    /// of the optional holidays are days off.
    pub fn new(
        working_days: &[Weekday],
        opens: Time,
        closes: Option<Time>,
        good_friday_off: bool,
        liberation_day: LiberationDayOff,
    ) -> Result<Self, CalendarError> {
        let mut days = [false; 7];
        for day in working_days {
            days[usize::from(day.number_days_from_monday())] = true;
        }
        if !days.contains(&true) {
            return Err(CalendarError::NoWorkingDays);
        }
        if closes.is_some_and(|closes| closes <= opens) {
            return Err(CalendarError::ClosesBeforeOpening);
        }
        Ok(BusinessCalendar { working_days: days, opens, closes, good_friday_off, liberation_day })
    }

    /// Whether a holiday is a day off under this calendar.
    pub fn is_day_off(&self, holiday: Holiday, year: i32) -> bool {
        match holiday {
            Holiday::GoodFriday => self.good_friday_off,
            Holiday::LiberationDay => match self.liberation_day {
                LiberationDayOff::EveryYear => true,
                LiberationDayOff::EveryFifthYear => year % 5 == 0,
                LiberationDayOff::Never => false,
            },
            _ => true,
        }
    }

    /// Whether the date is a working day: a working weekday that is no day off.
    pub fn is_working_day(&self, date: Date) -> bool {
        self.working_days[usize::from(date.weekday().number_days_from_monday())]
            && !holidays(date.year()).iter().any(|(day, holiday)| *day == date && self.is_day_off(*holiday, date.year()))
    }

    /// The working hours of a date as instants, or `None` on a day that does not count.
    fn window(&self, date: Date, days_off: &mut YearCache) -> Option<(OffsetDateTime, OffsetDateTime)> {
        if !self.working_days[usize::from(date.weekday().number_days_from_monday())] || days_off.is_off(self, date) {
            return None;
        }
        let open = local_to_utc(date, self.opens);
        let close = match self.closes {
            Some(closes) => local_to_utc(date, closes),
            None => local_to_utc(date.next_day()?, Time::MIDNIGHT),
        };
        Some((open, close))
    }

    /// The moment `business` of business time after `start`. A positive amount always ends within
    /// working hours (at most at closing time); zero or less is `start` itself.
    pub fn add(&self, start: OffsetDateTime, business: Duration) -> OffsetDateTime {
        if !business.is_positive() {
            return start;
        }
        let mut left = business;
        let mut days_off = YearCache::default();
        let mut date = dutch_time(start).date();
        let mut last = start;
        for _ in 0..HORIZON_DAYS {
            if let Some((open, close)) = self.window(date, &mut days_off) {
                let from = open.max(start);
                if from < close {
                    let available = close - from;
                    if left <= available {
                        return from + left;
                    }
                    left -= available;
                    last = close;
                }
            }
            let Some(next) = date.next_day() else { break };
            date = next;
        }
        // Past the horizon (only a calendar with almost no working hours gets here): the last
        // closing time reached, rather than a moment outside working hours.
        last
    }

    /// The business time between two moments (zero when `to` is not after `from`).
    pub fn between(&self, from: OffsetDateTime, to: OffsetDateTime) -> Duration {
        let mut total = Duration::ZERO;
        if to <= from {
            return total;
        }
        let mut days_off = YearCache::default();
        let mut date = dutch_time(from).date();
        let last = dutch_time(to).date();
        while date <= last {
            if let Some((open, close)) = self.window(date, &mut days_off) {
                let (start, end) = (open.max(from), close.min(to));
                if start < end {
                    total += end - start;
                }
            }
            let Some(next) = date.next_day() else { break };
            date = next;
        }
        total
    }

    /// Whether the moment lies within working hours (opening time and closing time included).
    pub fn in_hours(&self, at: OffsetDateTime) -> bool {
        let date = dutch_time(at).date();
        let mut days_off = YearCache::default();
        // A window that closes at midnight ends on the next date: look at the day before too.
        [date.previous_day(), Some(date)]
            .into_iter()
            .flatten()
            .filter_map(|day| self.window(day, &mut days_off))
            .any(|(open, close)| open <= at && at <= close)
    }
}

/// The days off of the years one computation touches, computed once per year.
#[derive(Default)]
struct YearCache {
    years: Vec<(i32, Vec<Date>)>,
}

impl YearCache {
    fn is_off(&mut self, calendar: &BusinessCalendar, date: Date) -> bool {
        let year = date.year();
        if let Some((_, days)) = self.years.iter().find(|(y, _)| *y == year) {
            return days.contains(&date);
        }
        let days: Vec<Date> =
            holidays(year).into_iter().filter(|(_, holiday)| calendar.is_day_off(*holiday, year)).map(|(day, _)| day).collect();
        let off = days.contains(&date);
        self.years.push((year, days));
        off
    }
}

const WINTER: UtcOffset = match UtcOffset::from_hms(1, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};
const SUMMER: UtcOffset = match UtcOffset::from_hms(2, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The Dutch offset from UTC at a moment: CET (+1), or CEST (+2) from the last Sunday of March
/// 01:00 UTC to the last Sunday of October 01:00 UTC (the EU rule since 1996).
pub fn amsterdam_offset(at: OffsetDateTime) -> UtcOffset {
    let utc = at.to_offset(UtcOffset::UTC);
    let year = utc.year();
    let last_sunday = |month: Month| -> Option<OffsetDateTime> {
        let last = Date::from_calendar_date(year, month, month.length(year)).ok()?;
        let sunday = last.checked_sub(Duration::days(i64::from(last.weekday().number_days_from_sunday())))?;
        Some(sunday.with_hms(1, 0, 0).ok()?.assume_utc())
    };
    match (last_sunday(Month::March), last_sunday(Month::October)) {
        (Some(start), Some(end)) if utc >= start && utc < end => SUMMER,
        _ => WINTER,
    }
}

/// Local Dutch time (CET/CEST) of a moment, without depending on the machine's time zone.
pub fn dutch_time(at: OffsetDateTime) -> PrimitiveDateTime {
    let local = at.to_offset(amsterdam_offset(at));
    PrimitiveDateTime::new(local.date(), local.time())
}

/// The moment a Dutch clock shows `time` on `date`. In the autumn hour that comes twice, the first
/// (summer time); in the spring hour that does not exist, as far after the change as the time is
/// into the gap (02:30 becomes 03:30 summer time).
pub fn local_to_utc(date: Date, time: Time) -> OffsetDateTime {
    let local = PrimitiveDateTime::new(date, time);
    let summer = local.assume_offset(SUMMER);
    if amsterdam_offset(summer) == SUMMER {
        return summer;
    }
    local.assume_offset(WINTER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime, time};

    #[test]
    fn cons_5_easter_sunday_of_known_years() {
        // The dates any church calendar gives.
        for (year, easter) in [
            (2024, date!(2024 - 03 - 31)),
            (2025, date!(2025 - 04 - 20)),
            (2026, date!(2026 - 04 - 05)),
            (2038, date!(2038 - 04 - 25)),
            (2285, date!(2285 - 03 - 22)),
        ] {
            assert_eq!(easter_sunday(year), Some(easter), "{year}");
        }
    }

    #[test]
    fn cons_5_kings_day_moves_to_saturday_when_27_april_is_a_sunday() {
        let kings_day = |year| holidays(year).into_iter().find(|(_, h)| *h == Holiday::KingsDay).map(|(d, _)| d);
        assert_eq!(kings_day(2025), Some(date!(2025 - 04 - 26)));
        assert_eq!(kings_day(2026), Some(date!(2026 - 04 - 27)));
        assert_eq!(kings_day(2031), Some(date!(2031 - 04 - 26)));
    }

    #[test]
    fn cons_5_the_default_counts_whole_working_days_across_a_weekend() {
        let calendar = BusinessCalendar::default();
        // Friday 4 December 2026 15:00 + 24 business hours: Monday 15:00 (the weekend does not count).
        let friday = datetime!(2026-12-04 15:00 +1);
        assert_eq!(calendar.add(friday, Duration::hours(24)), datetime!(2026-12-07 15:00 +1));
        // Saturday: counting starts on Monday at midnight.
        assert_eq!(calendar.add(datetime!(2026-12-05 10:00 +1), Duration::hours(1)), datetime!(2026-12-07 01:00 +1));
        assert_eq!(calendar.between(friday, datetime!(2026-12-07 15:00 +1)), Duration::hours(24));
    }

    #[test]
    fn cons_5_christmas_and_new_year_do_not_count() {
        let calendar = BusinessCalendar::default();
        // Thursday 24 December 2026 12:00 + 24 h: Christmas (Fri), the weekend, then Monday 28 till
        // noon... 12 h on the 24th, then 12 h on Monday the 28th.
        assert_eq!(calendar.add(datetime!(2026-12-24 12:00 +1), Duration::hours(24)), datetime!(2026-12-28 12:00 +1));
        assert!(!calendar.is_working_day(date!(2027 - 01 - 01)));
        assert!(calendar.is_working_day(date!(2026 - 04 - 03)), "Good Friday: practices are open");
        assert!(!calendar.is_working_day(date!(2025 - 05 - 05)), "Liberation Day in a fifth year");
        assert!(calendar.is_working_day(date!(2026 - 05 - 05)), "and not in the others");
    }

    #[test]
    fn cons_5_office_hours_cross_the_change_to_summer_time() {
        let calendar = BusinessCalendar::new(
            &[Weekday::Monday, Weekday::Friday],
            time!(08:00),
            Some(time!(17:00)),
            false,
            LiberationDayOff::Never,
        )
        .unwrap();
        // Friday 27 March 2026 16:00 CET + 2 h: 1 h on Friday, 1 h on Monday 30 March from 08:00 CEST.
        let end = calendar.add(datetime!(2026-03-27 16:00 +1), Duration::hours(2));
        assert_eq!(end, datetime!(2026-03-30 09:00 +2));
        assert_eq!(dutch_time(end), datetime!(2026-03-30 09:00));
        assert!(calendar.in_hours(end) && !calendar.in_hours(datetime!(2026-03-30 07:59 +2)));
    }

    #[test]
    fn chat_6_cons_5_dutch_time_follows_summer_and_winter_time() {
        assert_eq!(dutch_time(datetime!(2026-11-25 13:05 UTC)), datetime!(2026-11-25 14:05));
        assert_eq!(dutch_time(datetime!(2026-07-01 13:05 UTC)), datetime!(2026-07-01 15:05));
        // 2026: summer time 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(dutch_time(datetime!(2026-03-29 00:59 UTC)), datetime!(2026-03-29 01:59));
        assert_eq!(dutch_time(datetime!(2026-03-29 01:00 UTC)), datetime!(2026-03-29 03:00));
        assert_eq!(dutch_time(datetime!(2026-10-25 00:59 UTC)), datetime!(2026-10-25 02:59));
        assert_eq!(dutch_time(datetime!(2026-10-25 01:00 UTC)), datetime!(2026-10-25 02:00));
    }

    #[test]
    fn cons_5_local_times_around_the_clock_changes() {
        assert_eq!(local_to_utc(date!(2026 - 03 - 29), time!(02:30)), datetime!(2026-03-29 01:30 UTC));
        assert_eq!(local_to_utc(date!(2026 - 10 - 25), time!(02:30)), datetime!(2026-10-25 00:30 UTC));
        assert_eq!(local_to_utc(date!(2026 - 07 - 01), time!(12:00)), datetime!(2026-07-01 10:00 UTC));
        assert_eq!(local_to_utc(date!(2026 - 12 - 01), time!(12:00)), datetime!(2026-12-01 11:00 UTC));
    }

    #[test]
    fn cons_5_a_calendar_without_working_hours_is_refused() {
        assert_eq!(
            BusinessCalendar::new(&[], Time::MIDNIGHT, None, false, LiberationDayOff::Never),
            Err(CalendarError::NoWorkingDays)
        );
        assert_eq!(
            BusinessCalendar::new(&[Weekday::Monday], time!(17:00), Some(time!(08:00)), false, LiberationDayOff::Never),
            Err(CalendarError::ClosesBeforeOpening)
        );
    }
}
