//! Issue 12 (PAT-1): a HIS extraction upload is held in memory about once on the server, not three
//! times (the raw body, the parsed request and a copy for the feed: a 250 MB file peaked at
//! 730 MB). A counting allocator measures the peak of everything this process allocates while
//! the import runs; a test binary of its own, so no other test allocates meanwhile.

// A global allocator is unsafe by definition; this harness is the one place the workspace allows it.
#![allow(unsafe_code)]
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        unsafe { System.dealloc(pointer, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[tokio::test]
async fn pat_1_an_extraction_upload_is_held_in_memory_about_once() {
    use base64::engine::general_purpose::STANDARD_NO_PAD;
    use base64::Engine;
    use kring_protocol::patients::{ImportOutcome, ImportRequest, SealedPatient};
    let region = kring_tests::TestRegion::start().await;
    let gp = kring_tests::RawApi::login(&region, "huisarts").await;
    let me: kring_protocol::Me = gp.get("v1/me").await.json().await.unwrap();
    let practice = me.contracts.iter().find(|c| c.organisation_name == "Huisartsenpraktijk De Linde").unwrap().organisation_id;

    // 2,000 patients of 12 kB sealed card and chart each: a 24 MB upload.
    let patients: Vec<SealedPatient> = (0..2_000u32)
        .map(|i| {
            let mut hash = [0u8; 32];
            hash[..4].copy_from_slice(&i.to_be_bytes());
            SealedPatient {
                bsn_hash: STANDARD_NO_PAD.encode(hash),
                card: STANDARD_NO_PAD.encode(vec![(i % 251) as u8; 3_000]),
                chart: STANDARD_NO_PAD.encode(vec![(i % 241) as u8; 6_000]),
            }
        })
        .collect();
    let body = serde_json::to_vec(&ImportRequest { organisation_id: practice, patients }).unwrap();
    let size = body.len();
    let body = bytes_of(body);

    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let response = gp.post_bytes("v1/patients/import", body).await;
    assert_eq!(response.status(), 200);
    let outcome: ImportOutcome = response.json().await.unwrap();
    assert_eq!(outcome.created, 2_000);
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    let ratio = peak as f64 / size as f64;
    eprintln!("upload {size} bytes, peak {peak} bytes above the baseline ({ratio:.2} x)");
    assert!(ratio < 2.0, "the import held {ratio:.2} times the upload's size");
}

fn bytes_of(body: Vec<u8>) -> reqwest::Body {
    reqwest::Body::from(body)
}
