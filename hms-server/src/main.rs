//! The `hms-server` command: serve the API, run migrations, create the first admin, load demo data.

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, bail};

/// Rows are allocated on the database threads and freed on the request threads; mimalloc frees
/// across threads without taking the allocator's locks, where the system allocator contends.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand};
use hms_core::{Currency, HospitalConfig, Registration, TimeZone};
use hms_server::{HttpConfig, build, demo, mail, random_secret};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(name = "hms-server", version, about = "The hms hospital-management server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Common {
    /// The database: sqlite://hms.db (relative), sqlite:////var/lib/hms/hms.db (absolute), a plain path, sqlite::memory: or postgres://…
    #[arg(long = "database", env = "HMS_DATABASE_URL", default_value = "sqlite://hms.db")]
    database: String,
    /// The hospital's IANA time zone, in which availability is read.
    #[arg(long, env = "HMS_TIMEZONE", default_value = "UTC")]
    timezone: String,
    /// The hospital's currency (ISO 4217).
    #[arg(long, env = "HMS_CURRENCY", default_value = "USD")]
    currency: String,
    /// Self-registered doctors wait for an admin to activate them.
    #[arg(long, env = "HMS_DOCTOR_APPROVAL", default_value_t = false)]
    doctor_approval: bool,
    /// A directory for document bytes (default: beside a SQLite file, in the database itself on PostgreSQL).
    #[arg(long, env = "HMS_BLOB_DIR")]
    blob_dir: Option<std::path::PathBuf>,
    /// An object store for document bytes, s3://bucket/prefix (with the AWS_* variables), shared by servers on several machines.
    #[arg(long, env = "HMS_BLOB_URL")]
    blob_url: Option<String>,
    /// When a SQLite commit counts as done: full (flushed to the disk; survives a power cut) or normal (survives a crash of the process only).
    #[arg(long, env = "HMS_SQLITE_SYNCHRONOUS", default_value = "full")]
    sqlite_synchronous: String,
    /// The roles that must sign in with a second factor, e.g. admin,doctor,nurse,receptionist.
    #[arg(long = "require-2fa", env = "HMS_REQUIRE_2FA", default_value = "", value_delimiter = ',')]
    require_2fa: Vec<String>,
    /// Where a password-reset link points; the token is appended (e.g. the portal's page, https://hms.example.org/#/reset/).
    #[arg(long, env = "HMS_RESET_LINK")]
    reset_link: Option<String>,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: Common,
    /// Address to listen on (port 0 picks a free port; the address is printed).
    #[arg(long, env = "HMS_BIND", default_value = "127.0.0.1:8000")]
    bind: String,
    /// Load a small demo hospital (if the database has none) and print its logins.
    #[arg(long)]
    demo: bool,
    /// Refuse to start without HMS_JWT_SECRET (and other production settings).
    #[arg(long)]
    production: bool,
    /// SMTP server for outgoing e-mail, e.g. smtp://user:pass@mail.example.org:587?tls=required
    #[arg(long, env = "HMS_SMTP_URL")]
    smtp_url: Option<String>,
    /// Sender address of outgoing e-mail.
    #[arg(long, env = "HMS_SMTP_FROM", default_value = "hms <no-reply@hms.localhost>")]
    smtp_from: String,
    /// Seconds the dashboard is cached.
    #[arg(long, env = "HMS_DASHBOARD_TTL", default_value_t = 300)]
    dashboard_ttl: u64,
    /// Milliseconds a page of the public doctor listing is served from memory (0: not at all).
    #[arg(long, env = "HMS_PUBLIC_LIST_TTL_MS", default_value_t = 2000)]
    public_list_ttl_ms: u64,
    /// Seconds an access token lives.
    #[arg(long, env = "HMS_ACCESS_TTL", default_value_t = 900)]
    access_ttl: u64,
    /// Seconds between e-mail dispatch passes.
    #[arg(long, env = "HMS_MAIL_INTERVAL", default_value_t = 10)]
    mail_interval: u64,
    /// Origins whose browser scripts may call the API, comma-separated (e.g. https://app.example.org).
    #[arg(long, env = "HMS_CORS_ORIGINS", value_delimiter = ',')]
    cors_origins: Vec<String>,
    /// The largest request body in bytes (document uploads included).
    #[arg(long, env = "HMS_MAX_BODY_BYTES", default_value_t = 25 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Seconds a request body may take to arrive (408 after).
    #[arg(long, env = "HMS_BODY_TIMEOUT", default_value_t = 30)]
    body_timeout: u64,
    /// Seconds a request head may take to arrive; idle keep-alive connections close after the same time.
    #[arg(long, env = "HMS_HEADER_TIMEOUT", default_value_t = 10)]
    header_timeout: u64,
    /// Send Strict-Transport-Security (when the server is reached only over HTTPS).
    #[arg(long, env = "HMS_HSTS", default_value_t = false)]
    hsts: bool,
    /// Serve Prometheus metrics at http://ADDRESS/metrics (e.g. 127.0.0.1:9100); off when unset.
    #[arg(long, env = "HMS_METRICS_BIND")]
    metrics_bind: Option<String>,
    /// Serve the portal from this folder instead of the copy built into the binary.
    #[arg(long, env = "HMS_WEB_DIR")]
    web_dir: Option<std::path::PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve(Box<ServeArgs>),
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        common: Common,
        /// First create the PostgreSQL database the URL names, if it does not exist.
        #[arg(long)]
        create_database: bool,
    },
    /// Copy the database and the document bytes into a new directory, while the hospital runs.
    Backup {
        #[command(flatten)]
        common: Common,
        /// The new (or empty) directory the backup goes into.
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Restore a backup into a new database (a SQLite file that does not exist yet, or an empty or missing PostgreSQL database), and check it.
    Restore {
        #[command(flatten)]
        common: Common,
        /// The backup's directory.
        #[arg(long)]
        from: std::path::PathBuf,
    },
    /// Create an admin account (the password comes from HMS_ADMIN_PASSWORD or standard input).
    CreateAdmin {
        #[command(flatten)]
        common: Common,
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
        /// The admin's full name.
        #[arg(long)]
        name: String,
    },
    /// Load the demo hospital into the database, or, with sizes, a large synthetic one.
    DemoData {
        #[command(flatten)]
        common: Common,
        /// Synthetic doctors (with --patients and --appointments: a bulk load).
        #[arg(long)]
        doctors: Option<u32>,
        /// Synthetic patients.
        #[arg(long)]
        patients: Option<u32>,
        /// Synthetic appointments, spread over the doctors.
        #[arg(long)]
        appointments: Option<u64>,
    },
}

fn hospital_config(common: &Common) -> anyhow::Result<HospitalConfig> {
    Ok(HospitalConfig {
        time_zone: TimeZone::parse(&common.timezone).map_err(|e| anyhow::anyhow!("HMS_TIMEZONE {}", e.message))?,
        currency: Currency::parse(&common.currency).map_err(|e| anyhow::anyhow!("HMS_CURRENCY {}", e.message))?,
        doctor_approval_required: common.doctor_approval,
        sqlite_synchronous: common
            .sqlite_synchronous
            .parse()
            .map_err(|e: hms_core::FieldError| anyhow::anyhow!("HMS_SQLITE_SYNCHRONOUS {}", e.message))?,
        second_factor_roles: common
            .require_2fa
            .iter()
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .map(|r| r.parse().map_err(|e: hms_core::FieldError| anyhow::anyhow!("HMS_REQUIRE_2FA: `{r}` {}", e.message)))
            .collect::<anyhow::Result<Vec<hms_core::Role>>>()?,
        // The key that seals second-factor keys and queued reset links: from the environment only.
        secret_key: match std::env::var("HMS_SECRET_KEY") {
            Ok(k) => Some(
                hms_core::SecretKey::parse(&k)
                    .map_err(|_| anyhow::anyhow!("HMS_SECRET_KEY must be 64 hexadecimal digits (openssl rand -hex 32)"))?,
            ),
            Err(_) => None,
        },
        reset_link: common.reset_link.clone(),
        ..Default::default()
    })
}

/// Where document bytes go, from `HMS_BLOB_DIR` or `HMS_BLOB_URL` (at most one).
fn blobs(common: &Common) -> anyhow::Result<hms_store::Blobs> {
    Ok(hms_store::Blobs::from_settings(common.blob_dir.clone(), common.blob_url.clone())?)
}

async fn open(common: &Common) -> anyhow::Result<hms_core::Hospital> {
    hms_store::open_location(&hms_store::Location::parse(&common.database)?, &blobs(common)?, hospital_config(common)?)
        .await
        .with_context(|| format!("opening {}", common.database))
}

fn print_demo(logins: &[demo::DemoLogin]) {
    println!("demo logins (password: {}):", demo::DEMO_PASSWORD);
    for l in logins {
        println!("  {:<13} {}", l.role.as_str(), l.email);
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let secret = match std::env::var("HMS_JWT_SECRET") {
        Ok(s) if s.len() >= 32 => s.into_bytes(),
        Ok(_) => bail!("HMS_JWT_SECRET must be at least 32 characters"),
        Err(_) if args.production => bail!("--production needs HMS_JWT_SECRET"),
        Err(_) => {
            tracing::warn!("HMS_JWT_SECRET is not set: using a random secret; tokens end when the server stops");
            random_secret()
        }
    };
    let analyzer = hms_ai::Analyzer::from_env().context("the AI settings (HMS_AI_*, GROQ_API_KEY)")?;
    let mut hospital = open(&args.common).await?.with_analyzer(std::sync::Arc::new(analyzer));
    if hospital.config().secret_key.is_none() {
        if args.production {
            bail!("--production needs HMS_SECRET_KEY (64 hexadecimal digits: openssl rand -hex 32)");
        }
        tracing::warn!(
            "HMS_SECRET_KEY is not set: using a random key; second factors enrolled and reset links sent now stop working when the server stops"
        );
        let mut config = hospital.config().clone();
        config.secret_key = Some(hms_core::SecretKey::random()?);
        hospital = hospital.with_config(config);
    }
    let durability = hospital.store().durability().await.context("reading the database's durability settings")?;
    let durability = durability.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
    tracing::info!(backend = hospital.store().backend(), %durability, "database opened");
    if hospital.store().backend() == "sqlite" && durability.contains("synchronous=normal") {
        tracing::warn!("HMS_SQLITE_SYNCHRONOUS=normal: the last acknowledged commits can be lost if the machine stops");
    }
    let logins = if args.demo { Some(demo::load(&hospital).await?) } else { None };
    let mut config = HttpConfig::with_secret(secret);
    config.dashboard_ttl = Duration::from_secs(args.dashboard_ttl);
    config.public_list_ttl = Duration::from_millis(args.public_list_ttl_ms);
    config.access_ttl = Duration::from_secs(args.access_ttl);
    config.max_body_bytes = args.max_body_bytes;
    config.body_timeout = Duration::from_secs(args.body_timeout.max(1));
    config.connection.header_timeout = Duration::from_secs(args.header_timeout.max(1));
    config.connection.shutdown_grace = Duration::from_secs(30);
    config.cors_origins = args.cors_origins.clone();
    config.hsts = args.hsts;
    config.metrics = args.metrics_bind.is_some();
    config.web_dir = args.web_dir.clone();
    let (_state, app) = build(hospital.clone(), &config);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let mut jobs = vec![mail::spawn_reminders(hospital.clone(), Duration::from_secs(3600), shutdown.clone())];
    match &args.smtp_url {
        Some(url) => {
            let mailer = mail::Mailer::new(url, &args.smtp_from).context("HMS_SMTP_URL")?;
            jobs.push(mail::spawn_dispatcher(hospital.clone(), mailer, Duration::from_secs(args.mail_interval), shutdown.clone()));
        }
        None => tracing::warn!("HMS_SMTP_URL is not set: e-mails stay queued in the outbox until it is"),
    }
    if let Some(bind) = &args.metrics_bind {
        let addr: SocketAddr = bind.parse().with_context(|| format!("--metrics-bind {bind}"))?;
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening for metrics on {addr}"))?;
        let addr = listener.local_addr()?;
        println!("metrics on http://{addr}/metrics");
        let (endpoint, limits, mut stopping) = (hms_server::metrics::endpoint(hospital.clone()), config.connection, shutdown.clone());
        jobs.push(tokio::spawn(async move {
            let stopped = async move {
                let _ = stopping.changed().await;
            };
            if let Err(e) = hms_server::serve::serve(listener, endpoint, limits, stopped).await {
                tracing::error!(error = %e, "the metrics listener failed");
            }
        }));
    }
    let addr: SocketAddr = args.bind.parse().with_context(|| format!("--bind {}", args.bind))?;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let addr = listener.local_addr()?;
    println!("hms listening on http://{addr}  (Swagger UI: http://{addr}/docs, OpenAPI: http://{addr}/openapi.json)");
    println!("portal: http://{addr}/");
    if let Some(logins) = &logins {
        print_demo(logins);
    }
    std::io::stdout().flush()?;
    hms_server::serve::serve(listener, app, config.connection, shutdown_signal()).await?;
    let _ = stop.send(true);
    for job in jobs {
        let _ = job.await;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down: finishing requests in flight");
}

async fn bulk(common: &Common, doctors: Option<u32>, patients: Option<u32>, appointments: Option<u64>) -> anyhow::Result<()> {
    let (Some(doctors), Some(patients), Some(appointments)) = (doctors, patients, appointments) else {
        bail!("a synthetic load needs --doctors, --patients and --appointments");
    };
    if doctors == 0 || patients == 0 {
        bail!("--doctors and --patients must be at least 1");
    }
    let password = hms_core::user::Password::new(demo::DEMO_PASSWORD, None).map_err(|e| anyhow::anyhow!(e.message))?;
    let hash = hms_core::PasswordCost::default().hash(&password)?;
    let spec = hms_store::bulk::SyntheticHospital {
        doctors,
        patients,
        appointments,
        now: chrono::Utc::now(),
        password_hash: hash.as_str().to_string(),
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>12} [{elapsed_precise}] {wide_bar} {pos}/{len} ({per_sec}, {eta} left)")
            .expect("a valid template"),
    );
    let started = std::time::Instant::now();
    let progress = |stage: &str, done: u64, total: u64| {
        if bar.message() != stage {
            bar.set_message(stage.to_string());
            bar.set_length(total);
        }
        bar.set_position(done);
    };
    hms_store::bulk_load(&common.database, &spec, &progress).await?;
    bar.finish();
    println!(
        "loaded {doctors} doctors, {patients} patients and {appointments} appointments into {} in {:.1} s (password of every account: {})",
        common.database,
        started.elapsed().as_secs_f64(),
        demo::DEMO_PASSWORD
    );
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("HMS_ADMIN_PASSWORD") {
        return Ok(p);
    }
    eprint!("password for the new admin: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    match std::env::var("HMS_LOG_FORMAT").as_deref() {
        Ok("json") => tracing_subscriber::fmt().json().with_current_span(true).with_env_filter(filter).init(),
        Ok("text") | Err(_) => tracing_subscriber::fmt().with_env_filter(filter).init(),
        Ok(other) => bail!("HMS_LOG_FORMAT must be text or json, not {other:?}"),
    }
    match Cli::parse().command {
        Command::Serve(args) => serve(*args).await,
        Command::Migrate { common, create_database } => {
            if create_database {
                match hms_store::Location::parse(&common.database)? {
                    hms_store::Location::Postgres(url) => {
                        if hms_store::create_database(&url).await? {
                            println!("database created: {}", common.database);
                        }
                    }
                    _ => println!("--create-database is for PostgreSQL; a SQLite file is created when it is opened"),
                }
            }
            hms_store::migrate(&common.database).await?;
            println!("migrations applied to {}", common.database);
            Ok(())
        }
        Command::Backup { common, to } => {
            let manifest = hms_store::backup::backup(&common.database, &blobs(&common)?, &to).await?;
            println!(
                "backup of {} ({}) taken at {} into {}: {} and {} document files",
                common.database,
                manifest.backend,
                manifest.taken_at.to_rfc3339(),
                to.display(),
                manifest.database,
                manifest.blob_files
            );
            if let Some(bucket) = &manifest.blobs_elsewhere {
                println!(
                    "the document bytes are in {bucket}, which a backup does not copy: back it up (or version it) with the object store's own tools"
                );
            }
            Ok(())
        }
        Command::Restore { common, from } => {
            let restored = hms_store::backup::restore(&from, &common.database, &blobs(&common)?).await?;
            println!(
                "restored the backup taken at {} into {}; documents whose bytes match their SHA-256: {}",
                restored.manifest.taken_at.to_rfc3339(),
                common.database,
                restored.documents_checked,
            );
            Ok(())
        }
        Command::CreateAdmin { common, email, name } => {
            let hospital = open(&common).await?;
            let password = read_password()?;
            let r = Registration { email, password, full_name: name, ..Default::default() };
            match hospital.bootstrap_admin(r, chrono::Utc::now()).await {
                Ok(u) => {
                    println!("admin {} created ({})", u.email, u.id);
                    Ok(())
                }
                Err(e) => {
                    for f in e.field_errors() {
                        eprintln!("  {}: {}", f.field, f.message);
                    }
                    bail!("{e}")
                }
            }
        }
        Command::DemoData { common, doctors: None, patients: None, appointments: None } => {
            let hospital = open(&common).await?;
            print_demo(&demo::load(&hospital).await?);
            Ok(())
        }
        Command::DemoData { common, doctors, patients, appointments } => bulk(&common, doctors, patients, appointments).await,
    }
}
