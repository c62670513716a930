//! CONS-5: what the business clock costs. The C tab shows, for each open consultation, the
//! deadline of its next step; a specialist group's dashboard computes them for all. The target is
//! 10,000 open consultations in < 10 ms. Numbers go to docs/performance.md.
//! Run: `cargo bench -p kring-domain`.

use criterion::{criterion_group, criterion_main, Criterion};
use kring_domain::business_time::BusinessCalendar;
use std::hint::black_box;
use time::{Duration, OffsetDateTime};

/// 10,000 consultations asked at moments spread over two months (every ~8.6 minutes), each with
/// its three deadlines: the answer (24 business hours), the reminder (48) and the closing (96).
fn deadlines(c: &mut Criterion) {
    let calendar = BusinessCalendar::default();
    let first = time::macros::datetime!(2026-11-02 08:00 UTC);
    let asked: Vec<OffsetDateTime> = (0..10_000i64).map(|i| first + Duration::seconds(i * 517)).collect();
    let mut group = c.benchmark_group("business_time");
    group.bench_function("deadlines of 10,000 open consultations (24, 48 and 96 business hours)", |b| {
        b.iter(|| {
            let mut latest = first;
            for at in black_box(&asked) {
                for hours in [24, 48, 96] {
                    latest = latest.max(calendar.add(*at, Duration::hours(hours)));
                }
            }
            latest
        });
    });
    group.bench_function("the next deadline only (10,000 x 24 business hours)", |b| {
        b.iter(|| black_box(&asked).iter().map(|at| calendar.add(*at, Duration::hours(24))).max());
    });
    group.finish();
}

criterion_group!(benches, deadlines);
criterion_main!(benches);
