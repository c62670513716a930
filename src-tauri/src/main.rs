//! The `kring-desktop` binary: everything is in the library (`kring_desktop::run`), so the
//! desktop's own parts (notifications) can be tested without a window.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    kring_desktop::run();
}
