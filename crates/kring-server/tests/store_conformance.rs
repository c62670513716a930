//! The store conformance suite against both backends: SQLite in a temp file, and PostgreSQL in a
//! throwaway cluster this harness starts itself (and stops when done). No test is skipped: with
//! no PostgreSQL binaries the run fails and says what to install.

use kring_server::store::{PostgresStore, SqliteStore, Store};
use kring_server::testing::conformance::suite;
use kring_server::testing::postgres::TestCluster;
use libtest_mimic::{Arguments, Failed, Trial};
use std::sync::Arc;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
}

fn main() {
    let args = Arguments::from_args();
    let cluster = match TestCluster::start() {
        Ok(cluster) => Arc::new(cluster),
        Err(error) => {
            eprintln!("cannot start the throwaway PostgreSQL cluster: {error}");
            std::process::exit(1);
        }
    };

    let mut trials = Vec::new();
    for (index, (name, test)) in suite().into_iter().enumerate() {
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            let dir = tempfile::tempdir().map_err(|e| Failed::from(e.to_string()))?;
            let rt = runtime();
            let store: Arc<dyn Store> = Arc::new(
                rt.block_on(SqliteStore::open(&dir.path().join("server.sqlite"))).map_err(|e| Failed::from(e.to_string()))?,
            );
            rt.block_on(test(store));
            Ok(())
        }));
        let cluster = Arc::clone(&cluster);
        trials.push(Trial::test(format!("postgres::{name}"), move || {
            let rt = runtime();
            let url =
                rt.block_on(cluster.create_database(&format!("conformance_{index}"))).map_err(|e| Failed::from(e.to_string()))?;
            let store: Arc<dyn Store> =
                Arc::new(rt.block_on(PostgresStore::connect(&url)).map_err(|e| Failed::from(e.to_string()))?);
            rt.block_on(test(store));
            Ok(())
        }));
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(cluster);
    conclusion.exit();
}
