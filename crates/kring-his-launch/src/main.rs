//! `kring-his-launch`: plays a practice's HIS bridge in tests and demos (PAT-3). It keeps a bridge
//! key (Ed25519 seed, base64, file mode 0600), signs a launch token for a HIS user and a patient,
//! and prints (or opens) the `kring://launch?…` link, as a HIS button would.
//!
//!   kring-his-launch new-key --out bridge.key          # prints the public key to register
//!   kring-his-launch launch --key bridge.key --bridge delinde-medicom --vendor medicom \
//!       --user AVRIES --bsn 999911120 [--birth-date 1950-03-04] [--profile practice.json] [--open]

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine;
use clap::{Parser, Subcommand};
use kring_crypto::jws::sign_compact;
use kring_crypto::SigningKeyPair;
use kring_domain::his_vendor::{LaunchSubject, Vendor, VendorProfile};
use kring_domain::launch::LaunchClaims;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "kring-his-launch", about = "Plays a HIS bridge: signs Kring launch links")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Make a bridge key; prints the public key for `kring-server register-his-bridge`.
    NewKey {
        #[arg(long)]
        out: PathBuf,
    },
    /// Play the HIS: build the vendor's parameters, map them onto a launch token through the
    /// vendor profile (as the practice's bridge does), sign it and print the link.
    Launch {
        #[arg(long)]
        key: PathBuf,
        /// The registered bridge id (`kid` and `iss`).
        #[arg(long)]
        bridge: String,
        /// The region server's name (`aud`).
        #[arg(long, default_value = "kring")]
        audience: String,
        /// Which HIS plays: medicom, microhis, omnihis, promedico-asp, promedico-vdf, mira.
        #[arg(long, default_value = "medicom")]
        vendor: String,
        /// The practice's own profile for its HIS (JSON), instead of Kring's default.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// The user's id in the HIS.
        #[arg(long)]
        user: String,
        #[arg(long)]
        bsn: String,
        /// The HIS did not verify the BSN (Kring refuses such a launch, PAT-4).
        #[arg(long)]
        unverified: bool,
        /// The patient's birth date, YYYY-MM-DD.
        #[arg(long)]
        birth_date: Option<String>,
        /// Launched with the patient's dossier (MicroHIS "met dossier").
        #[arg(long)]
        dossier: bool,
        /// Seconds the token lives (at most 120 are accepted).
        #[arg(long, default_value_t = 90)]
        lifetime: i64,
        /// Open the link with the desktop's handler for kring:// (xdg-open), as a HIS button does.
        #[arg(long)]
        open: bool,
    },
}

fn main() -> anyhow::Result<()> {
    match Args::parse().command {
        Command::NewKey { out } => {
            let key = SigningKeyPair::generate();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&out).with_context(|| format!("creating {}", out.display()))?;
            writeln!(file, "{}", STANDARD_NO_PAD.encode(key.seed().as_ref()))?;
            println!("{}", STANDARD_NO_PAD.encode(key.public().as_bytes()));
        }
        Command::Launch {
            key,
            bridge,
            audience,
            vendor,
            profile,
            user,
            bsn,
            unverified,
            birth_date,
            dossier,
            lifetime,
            open,
        } => {
            let seed = STANDARD_NO_PAD
                .decode(std::fs::read_to_string(&key).with_context(|| format!("reading {}", key.display()))?.trim())
                .context("the key file is not base64")?;
            let seed: [u8; 32] = seed.try_into().map_err(|_| anyhow::anyhow!("the key file must hold 32 bytes"))?;
            let key = SigningKeyPair::from_seed(&seed);
            let vendor = Vendor::parse(&vendor).with_context(|| format!("unknown vendor {vendor}"))?;
            let profile = match profile {
                Some(path) => {
                    serde_json::from_str(&std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?)
                        .context("the profile file")?
                }
                None => VendorProfile::default_for(vendor),
            };
            let birth_date = birth_date
                .map(|text| time::Date::parse(&text, time::macros::format_description!("[year]-[month]-[day]")))
                .transpose()
                .context("birth date as YYYY-MM-DD")?;
            // What the HIS sends its external application, and what the bridge makes of it.
            let played = LaunchSubject { his_user: user, bsn, bsn_verified: !unverified, birth_date, dossier };
            let params = profile.params_for(&played);
            let shown: Vec<String> = params.iter().map(|(name, value)| format!("{name}={value}")).collect();
            eprintln!("{} sends: {}", vendor.as_str(), shown.join("&"));
            let subject = profile.subject(&params)?;
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let claims = LaunchClaims {
                iss: bridge.clone(),
                aud: audience,
                sub: subject.his_user,
                bsn: subject.bsn,
                bsn_verified: subject.bsn_verified,
                birth_date: subject.birth_date,
                dossier: subject.dossier,
                iat: now,
                exp: now + lifetime,
                jti: uuid::Uuid::new_v4().to_string(),
            };
            let token = sign_compact(&key, &bridge, &serde_json::to_vec(&claims)?)?;
            let link = format!("kring://launch?vendor={}&token={token}", vendor.as_str());
            println!("{link}");
            if open {
                let status = std::process::Command::new("xdg-open").arg(&link).status().context("running xdg-open")?;
                if !status.success() {
                    bail!("xdg-open failed: {status}");
                }
            }
        }
    }
    Ok(())
}
