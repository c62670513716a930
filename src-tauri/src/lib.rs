//! The Kring desktop app: a thin Tauri shell. Commands are one-line adapters over kring-client;
//! the embedded sync server (kring-server) runs inside this process unless `KRING_SERVER_URL`
//! points at a region's server. What touches the desktop itself lives here too: OS
//! notifications (`notifications`), deep links and the single instance.

mod commands;
mod consultations;
mod conversations;
mod core;
mod keyring;
pub mod notifications;
mod patients;
mod referrals;
mod typescript;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;

/// A region's server, from `--server-url URL` (e.g. in a desktop shortcut) or `KRING_SERVER_URL`;
/// `None` runs the embedded server.
fn configured_server_url() -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--server-url" {
            return args.next();
        }
        if let Some(url) = arg.strip_prefix("--server-url=") {
            return Some(url.to_owned());
        }
    }
    std::env::var("KRING_SERVER_URL").ok().filter(|url| !url.trim().is_empty())
}

/// Idle time before the secure session locks: 15 minutes, or `KRING_IDLE_LOCK_SECONDS` (the
/// end-to-end tests use a few seconds).
fn idle_lock() -> std::time::Duration {
    std::env::var("KRING_IDLE_LOCK_SECONDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .map_or(kring_client::DEFAULT_IDLE_LOCK, std::time::Duration::from_secs)
}

/// Start the app: logging, the window, the commands; returns when the app exits.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tao=warn,wry=warn")),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        // First: a second start (the HIS opening a kring:// link while Kring runs) hands its link
        // to this instance (through the deep-link plugin below) and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .setup(|app| {
            let data_dir = app.path().app_data_dir()?;
            let his_transport = conversations::his_transport(&data_dir)?;
            let core = core::AppCore::new(data_dir, configured_server_url(), idle_lock(), his_transport);
            // Start the embedded server now, so it is ready by the time someone has typed a password.
            let starting = core.clone();
            tauri::async_runtime::spawn(async move { starting.server().await.map(drop) });
            app.manage(core);
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    patients::open_link(handle.clone(), url.to_string());
                }
            });
            // Started by a link (the .desktop handler passes it as the only argument).
            for url in app.deep_link().get_current()?.unwrap_or_default() {
                patients::open_link(app.handle().clone(), url.to_string());
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::start_login,
            commands::dev_outbox,
            commands::verify_code,
            commands::change_initial_password,
            commands::change_password,
            commands::logout,
            commands::lock,
            commands::unlock,
            commands::touch,
            commands::set_idle_lock_minutes,
            commands::set_code_channel,
            commands::reset_password,
            commands::access_log,
            commands::staff,
            commands::check_account_request,
            commands::request_account,
            commands::region_account_requests,
            commands::decide_account_request,
            commands::set_patient_data_access,
            commands::deactivate,
            commands::set_his_user,
            commands::invitation,
            commands::activate,
            commands::profile,
            commands::update_profile,
            commands::directory,
            commands::set_team_contact,
            patients::patients,
            patients::record_home_measurement,
            patients::health_plan,
            patients::save_health_plan_item,
            patients::open_patient,
            patients::patient_names,
            patients::import_extraction,
            patients::import_demo_extraction,
            patients::save_import_report,
            patients::record_consent,
            patients::withdraw_consent,
            patients::share_patient,
            patients::pending_launch,
            patients::add_launched_patient,
            conversations::conversations,
            conversations::conversation,
            conversations::open_conversation,
            conversations::set_conversation_in_view,
            conversations::recipients,
            conversations::inboxes,
            conversations::away_notices,
            conversations::start_conversation,
            conversations::check_attachment,
            conversations::send_message,
            conversations::attachment_preview,
            conversations::save_attachment,
            conversations::add_participants,
            conversations::leave_conversation,
            conversations::set_archived,
            conversations::care_network,
            conversations::may_add_to_care_network,
            conversations::his_route,
            conversations::return_to_his,
            conversations::join_care_network,
            conversations::leave_care_network,
            referrals::referral_options,
            referrals::referral_letter,
            referrals::refer,
            referrals::referrals,
            referrals::patient_referrals,
            referrals::open_referral,
            referrals::take_referral,
            referrals::decline_referral,
            referrals::referral_feedback,
            referrals::close_referral,
            referrals::withdraw_referral,
            referrals::matrix_view,
            referrals::request_matrix_extension,
            referrals::decide_matrix_request,
            consultations::consultation_groups,
            consultations::ask_consultation,
            consultations::consultations,
            consultations::patient_consultations,
            consultations::consultation,
            consultations::pick_up_consultation,
            consultations::close_consultation,
            consultations::declare_consultation,
            consultations::consultation_dashboard,
            consultations::declarations,
            consultations::save_declarations_csv,
        ])
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                let core = handle.state::<core::AppCore>().inner().clone();
                tauri::async_runtime::block_on(core.shutdown());
            }
        }),
        Err(error) => {
            tracing::error!(%error, "the app could not start");
            std::process::exit(1);
        }
    }
}
