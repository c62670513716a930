//! CONS-5: the business clock, checked against an independent list of Dutch holidays and by
//! properties over random moments and amounts from 2025 to 2035.

use kring_domain::business_time::{holidays, BusinessCalendar, Holiday, LiberationDayOff};
use proptest::prelude::*;
use std::collections::BTreeSet;
use time::macros::time;
use time::{Date, Duration, OffsetDateTime, Weekday};

const FIXTURE: &str = include_str!("fixtures/dutch-holidays-2025-2035.csv");

/// The python-holidays names of the fixture, as Kring's holidays.
fn holiday(name: &str) -> Holiday {
    match name {
        "New Year's Day" => Holiday::NewYearsDay,
        "Good Friday" => Holiday::GoodFriday,
        "Easter Sunday" => Holiday::EasterSunday,
        "Easter Monday" => Holiday::EasterMonday,
        "King's Day" => Holiday::KingsDay,
        "Liberation Day" => Holiday::LiberationDay,
        "Ascension Day" => Holiday::AscensionDay,
        "Pentecost" => Holiday::WhitSunday,
        "Pentecost Monday" => Holiday::WhitMonday,
        "Christmas Day" => Holiday::ChristmasDay,
        "Second Day of Christmas" => Holiday::BoxingDay,
        other => panic!("a holiday Kring does not know: {other}"),
    }
}

#[test]
fn cons_5_every_holiday_2025_to_2035_matches_the_independent_list() {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let independent: BTreeSet<(Date, &str)> = FIXTURE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (date, name) = line.split_once(';').expect("date;name");
            (Date::parse(date, &format).expect("a date"), name)
        })
        .collect();
    assert_eq!(independent.len(), 113, "the fixture is whole");
    let mut ours = BTreeSet::new();
    for year in 2025..=2035 {
        for (date, day) in holidays(year) {
            // python-holidays lists Liberation Day only in the years it is a day off for most
            // (every fifth); it is an official holiday every year (our list), a day off by agreement.
            if day == Holiday::LiberationDay && year % 5 != 0 {
                continue;
            }
            ours.insert((date, day));
        }
    }
    let theirs: BTreeSet<(Date, Holiday)> = independent.iter().map(|(date, name)| (*date, holiday(name))).collect();
    assert_eq!(ours, theirs);
}

#[test]
fn cons_5_the_default_calendar_s_days_off_in_2026() {
    let calendar = BusinessCalendar::default();
    let off: Vec<String> = holidays(2026)
        .into_iter()
        .filter(|(date, _)| {
            !calendar.is_working_day(*date) && date.weekday() != Weekday::Saturday && date.weekday() != Weekday::Sunday
        })
        .map(|(date, day)| format!("{date} {}", day.dutch_name()))
        .collect();
    assert_eq!(
        off,
        [
            "2026-01-01 Nieuwjaarsdag",
            "2026-04-06 Tweede Paasdag",
            "2026-04-27 Koningsdag",
            "2026-05-14 Hemelvaartsdag",
            "2026-05-25 Tweede Pinksterdag",
            "2026-12-25 Eerste Kerstdag",
        ]
    );
}

/// The default, office hours, and an odd region (three days, a morning, Good Friday and every
/// Liberation Day off) to show the rules do not lean on the default's shape.
fn calendars() -> Vec<BusinessCalendar> {
    let weekdays = [Weekday::Monday, Weekday::Tuesday, Weekday::Wednesday, Weekday::Thursday, Weekday::Friday];
    vec![
        BusinessCalendar::default(),
        BusinessCalendar::new(&weekdays, time!(08:00), Some(time!(17:00)), false, LiberationDayOff::EveryFifthYear)
            .expect("office hours"),
        BusinessCalendar::new(
            &[Weekday::Monday, Weekday::Wednesday, Weekday::Sunday],
            time!(07:30),
            Some(time!(12:15)),
            true,
            LiberationDayOff::EveryYear,
        )
        .expect("an odd region"),
    ]
}

/// A moment from 2025 to 2035 (to the second).
fn moment() -> impl Strategy<Value = OffsetDateTime> {
    let from = time::macros::datetime!(2025-01-01 00:00 UTC).unix_timestamp();
    let to = time::macros::datetime!(2035-12-31 00:00 UTC).unix_timestamp();
    (from..to).prop_map(|seconds| OffsetDateTime::from_unix_timestamp(seconds).expect("in range"))
}

/// An amount of business time from a second to ten days' worth of hours.
fn amount() -> impl Strategy<Value = Duration> {
    (1i64..240 * 3600).prop_map(Duration::seconds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cons_5_adding_business_time_lands_within_working_hours(start in moment(), business in amount(), which in 0usize..3) {
        let calendar = &calendars()[which];
        let end = calendar.add(start, business);
        prop_assert!(end > start);
        prop_assert!(calendar.in_hours(end), "{start} + {business} = {end}");
        // And exactly that much business time lies between them.
        prop_assert_eq!(calendar.between(start, end), business);
    }

    #[test]
    fn cons_5_more_time_or_a_later_start_is_never_earlier(start in moment(), a in amount(), b in amount(), later in 0i64..200_000, which in 0usize..3) {
        let calendar = &calendars()[which];
        let (small, large) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(calendar.add(start, small) <= calendar.add(start, large));
        prop_assert!(calendar.add(start, small) <= calendar.add(start + Duration::seconds(later), small));
    }

    #[test]
    fn cons_5_adding_in_two_steps_is_adding_once(start in moment(), a in amount(), b in amount(), which in 0usize..3) {
        let calendar = &calendars()[which];
        prop_assert_eq!(calendar.add(calendar.add(start, a), b), calendar.add(start, a + b));
    }

    #[test]
    fn cons_5_no_business_time_passes_outside_working_days(start in moment(), business in amount()) {
        // With the default, business time only runs on working days: every day the span crosses
        // that is no working day adds its whole length to the real time.
        let calendar = BusinessCalendar::default();
        let end = calendar.add(start, business);
        let (mut date, last) = (kring_domain::business_time::dutch_time(start).date(), kring_domain::business_time::dutch_time(end).date());
        while date <= last {
            let next = date.next_day().expect("a next day");
            let day_start = kring_domain::business_time::local_to_utc(date, time::Time::MIDNIGHT).max(start);
            let day_end = kring_domain::business_time::local_to_utc(next, time::Time::MIDNIGHT).min(end);
            if day_start < day_end {
                let counted = calendar.between(day_start, day_end);
                prop_assert_eq!(counted, if calendar.is_working_day(date) { day_end - day_start } else { Duration::ZERO }, "{}", date);
            }
            date = next;
        }
    }
}

#[test]
fn cons_5_a_day_the_clocks_change_counts_as_long_as_it_really_is() {
    // A region that works on Sundays: the last Sunday of March 2026 has 23 hours, of October 25.
    let every_day = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];
    let calendar =
        BusinessCalendar::new(&every_day, time::Time::MIDNIGHT, None, false, LiberationDayOff::Never).expect("calendar");
    let day = |date: Date| {
        let from = kring_domain::business_time::local_to_utc(date, time::Time::MIDNIGHT);
        let to = kring_domain::business_time::local_to_utc(date.next_day().expect("next"), time::Time::MIDNIGHT);
        calendar.between(from, to)
    };
    assert_eq!(day(time::macros::date!(2026 - 03 - 29)), Duration::hours(23));
    assert_eq!(day(time::macros::date!(2026 - 10 - 25)), Duration::hours(25));
    assert_eq!(day(time::macros::date!(2026 - 06 - 14)), Duration::hours(24));
}
