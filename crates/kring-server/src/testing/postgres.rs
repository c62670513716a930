//! A throwaway PostgreSQL cluster: `initdb` in a temp dir, started on a free loopback port,
//! stopped and deleted on drop. Needs the PostgreSQL server binaries (Debian: `postgresql`),
//! which `make test` installs when missing. As root, the cluster runs as the `postgres` user,
//! because PostgreSQL refuses to run as root.

use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

pub struct TestCluster {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    run_as_postgres: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("PostgreSQL server binaries not found (install the `postgresql` package)")]
    NoBinaries,
    #[error("{0} failed: {1}")]
    Command(&'static str, String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
}

impl TestCluster {
    /// Create and start a cluster. Blocks until it accepts connections.
    pub fn start() -> Result<Self, ClusterError> {
        let bin = find_bin_dir().ok_or(ClusterError::NoBinaries)?;
        let run_as_postgres = is_root();
        let dir = tempfile::Builder::new().prefix("kring-pg-").tempdir()?;
        if run_as_postgres {
            run("chown", Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()))?;
        }
        let port = free_port()?;
        let cluster = Self { bin, dir, port, run_as_postgres };
        let data = cluster.data_dir();
        cluster.pg("initdb", |c| {
            c.arg("-D").arg(&data).args(["-U", "kring", "--auth=trust", "-E", "UTF8", "--no-sync", "-A", "trust"]);
        })?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("postgres.log");
        cluster.pg("pg_ctl", |c| {
            c.arg("-D").arg(&data).arg("-o").arg(&options).arg("-l").arg(&log).args(["-w", "-t", "60", "start"]);
        })?;
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A URL for the cluster's maintenance database.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://kring@127.0.0.1:{}/{database}", self.port)
    }

    /// Create a fresh, empty database and return its URL.
    pub async fn create_database(&self, name: &str) -> Result<String, ClusterError> {
        let (client, connection) = tokio_postgres::connect(&self.url("postgres"), tokio_postgres::NoTls).await?;
        let driver = tokio::spawn(connection);
        client.batch_execute(&format!("CREATE DATABASE \"{name}\"")).await?;
        drop(client);
        let _ = driver.await;
        Ok(self.url(name))
    }

    fn pg(&self, program: &'static str, args: impl FnOnce(&mut Command)) -> Result<(), ClusterError> {
        let path = self.bin.join(program);
        let mut command = if self.run_as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        args(&mut command);
        run(program, &mut command)
    }
}

impl Drop for TestCluster {
    fn drop(&mut self) {
        let data = self.data_dir();
        let _ = self.pg("pg_ctl", |c| {
            c.arg("-D").arg(&data).args(["-m", "immediate", "-w", "stop"]);
        });
    }
}

fn run(name: &'static str, command: &mut Command) -> Result<(), ClusterError> {
    let output = command.output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Command(name, String::from_utf8_lossy(&output.stderr).into_owned()))
    }
}

fn find_bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> =
        std::fs::read_dir("/usr/lib/postgresql").into_iter().flatten().flatten().map(|entry| entry.path().join("bin")).collect();
    // Newest major version first.
    candidates
        .sort_by_key(|p| std::cmp::Reverse(p.parent().and_then(Path::file_name).and_then(|v| v.to_str()?.parse::<u32>().ok())));
    candidates.into_iter().find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().map(|o| o.stdout.trim_ascii() == b"0").unwrap_or(false)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}
