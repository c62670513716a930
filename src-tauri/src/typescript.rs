//! The TypeScript side of the Tauri boundary, generated from the Rust definitions: every type a
//! command takes or returns, every event payload, and the error codes the UI turns into Dutch.
//! The UI imports them from `ui/src/lib/generated.ts` and never copies a type or a code by hand.
//!
//! `make types` writes the file (`KRING_WRITE_TYPES=1`); in every other run the test fails when
//! the committed file differs from what the Rust types say, so a changed type cannot land
//! without its TypeScript.

// Only the test below uses this module (the generator runs as a test, `make types`).
#![cfg(test)]

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::PathBuf;
use ts_rs::{Config, TypeVisitor, TS};

/// Collects the declaration of every named type reachable from the roots.
struct Collect<'a> {
    config: &'a Config,
    declarations: BTreeMap<String, String>,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only named types have a declaration; `Option`, `Vec`, strings and numbers are inlined.
        if T::output_path().is_none() {
            return;
        }
        let name = T::ident(self.config);
        if self.declarations.contains_key(&name) {
            return;
        }
        let docs = T::docs().unwrap_or_default();
        self.declarations.insert(name, format!("{docs}export {}", T::decl(self.config)));
        T::visit_dependencies(self);
    }
}

/// The roots: what commands return or take, and what events carry. Everything they reference
/// follows by itself.
fn roots(collect: &mut Collect) {
    use kring_client::conversations::{
        AwayNotice, ConversationSummary, ConversationView, InboxView, NetworkMemberView, RecipientView,
    };
    use kring_client::patients::{ImportProgress, ImportSummary, LaunchOpening, PatientView};
    collect.visit::<crate::commands::AppInfo>();
    collect.visit::<crate::commands::SessionState>();
    collect.visit::<crate::commands::CommandError>();
    collect.visit::<crate::conversations::FileUpload>();
    collect.visit::<crate::patients::PatientOverview>();
    collect.visit::<kring_client::ClientEvent>();
    collect.visit::<kring_client::directory::Directory>();
    collect.visit::<kring_client::profile::ProfileView>();
    collect.visit::<kring_client::staff::StaffList>();
    collect.visit::<kring_client::his_return::HisReturnReceipt>();
    collect.visit::<kring_client::his_return::HisRoute>();
    collect.visit::<kring_domain::AccountRequestForm>();
    collect.visit::<kring_domain::FieldError>();
    collect.visit::<kring_domain::ProfileForm>();
    collect.visit::<kring_domain::ConsentGiver>();
    collect.visit::<kring_protocol::access_log::AccessLogPage>();
    collect.visit::<kring_protocol::staff::AccountRequestEntry>();
    collect.visit::<kring_client::activation::InvitationView>();
    collect.visit::<kring_protocol::staff::Activated>();
    collect.visit::<kring_protocol::CodeChannel>();
    collect.visit::<kring_protocol::CodeSent>();
    collect.visit::<kring_server::delivery::DevMessage>();
    collect.visit::<AwayNotice>();
    collect.visit::<ConversationSummary>();
    collect.visit::<ConversationView>();
    collect.visit::<InboxView>();
    collect.visit::<NetworkMemberView>();
    collect.visit::<RecipientView>();
    collect.visit::<ImportProgress>();
    collect.visit::<ImportSummary>();
    collect.visit::<LaunchOpening>();
    collect.visit::<PatientView>();
    collect.visit::<kring_client::referrals::ReferralOptions>();
    collect.visit::<kring_client::referrals::ReferralForm>();
    collect.visit::<kring_client::referrals::ReferralSummary>();
    collect.visit::<kring_client::referrals::ReferralView>();
    collect.visit::<kring_client::consultations::ConsultationGroupView>();
    collect.visit::<kring_client::consultations::ConsultationForm>();
    collect.visit::<kring_client::consultations::ConsultationSummary>();
    collect.visit::<kring_client::care::HomeMeasurementForm>();
    collect.visit::<kring_client::care::HealthPlanItemView>();
    collect.visit::<kring_client::consultation_reports::Period>();
    collect.visit::<kring_client::consultation_reports::DeclarationRow>();
    collect.visit::<kring_client::consultation_reports::DashboardRow>();
    collect.visit::<kring_client::referrals::MatrixView>();
}

/// The whole file, deterministic (sorted by name).
fn generated() -> String {
    // Counts and sizes are far below 2^53: plain numbers on the TypeScript side.
    let config = Config::new().with_large_int("number");
    let mut collect = Collect { config: &config, declarations: BTreeMap::new() };
    roots(&mut collect);
    let mut out =
        String::from("// Generated from the Rust types by src-tauri/src/typescript.rs (`make types`). Do not edit.\n\n");
    for declaration in collect.declarations.values() {
        let _ = writeln!(out, "{declaration}\n");
    }
    let codes: Vec<String> = kring_client::ClientError::all_codes().iter().map(|code| format!("  '{code}',")).collect();
    let _ = writeln!(
        out,
        "/** Every code a command's error can carry (`ClientError::all_codes`); the UI words each. */\n\
         export const CLIENT_ERROR_CODES = [\n{}\n] as const;\n\n\
         export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];",
        codes.join("\n")
    );
    out
}

fn target() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/generated.ts")
}

#[test]
fn the_typescript_types_match_the_rust_types() {
    let expected = generated();
    if std::env::var_os("KRING_WRITE_TYPES").is_some() {
        std::fs::write(target(), &expected).expect("write ui/src/lib/generated.ts");
        return;
    }
    let committed = std::fs::read_to_string(target()).unwrap_or_default();
    assert!(committed == expected, "ui/src/lib/generated.ts is out of date with the Rust types: run `make types`");
}
