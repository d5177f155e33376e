"""Local infrastructure for Huntaze: a real Apache Kafka (KRaft), a real PostgreSQL and an
S3-compatible server (moto's server mode) for the content service's media vault.

    python tools/infra.py install                       install what is missing, start nothing
    python tools/infra.py up     [--profile run|test]   install what is missing, start, provision
    python tools/infra.py down   [--profile run|test]   stop what `up` started
    python tools/infra.py status [--profile run|test]
    python tools/infra.py clean  [--profile run|test]   stop and delete the profile's data
    python tools/infra.py env    [--profile run|test]   print the environment the services need

Two profiles so that `make test` never touches the data of `make run`:

    profile  data folder    Kafka (broker/controller/SASL_SSL)   PostgreSQL        S3      stripe-mock
    run      .data/run      127.0.0.1:9092 / 9093 / 9094         127.0.0.1:54320   :9400   :9500   (kept until make clean)
    test     .data/test     127.0.0.1:19092 / 19093 / 19094      127.0.0.1:54330   :19400  :19500  (recreated by every up)
    faults   .data/faults   127.0.0.1:29092 / 29093 / 29094      127.0.0.1:54340   :29400  :29500  (recreated by every up)
    faults2  .data/faults2  127.0.0.1:49092 / 49093 / 49094      127.0.0.1:54360   :49400  :49500  (the fault suite's
                                                                                     second half, side by side)
    bench    .data/bench    127.0.0.1:39092 / 39093 / 39094      127.0.0.1:54350   :39400  :39500  (recreated by every up)

The S3 server keeps objects in memory: they last as long as it runs (a restart of `make run` empties
the vault's bucket; the content database then names objects that are gone). Production and anyone
who wants durable local objects set CONTENT_S3_ENDPOINT_URL (and its credentials) to a real store.

The services use the PLAINTEXT listener locally. The SASL_SSL listener (SCRAM-SHA-512 over TLS, as
on Kubernetes) has one user per service plus `analyst` and `ops`, made when the storage is
formatted; its CA, certificate and passwords live in <data>/kafka-auth (LOCAL_KAFKA_* in `env`).

The fault suite also uses: kafka-kill (SIGKILL the broker), kafka-start (start it again on its
data), pg-restart (immediate restart of PostgreSQL).

stripe-mock (Stripe's official API mock, `go install`ed by tools/go_tools.sh) answers the billing
service's Stripe SDK calls; it is stateless and sends no webhooks (tests sign their own). When
BILLING_STRIPE_API_BASE is set, that Stripe API is used instead.

Kafka comes from Maven Central (infra/kafka/pom.xml, copied once into .cache/kafka); PostgreSQL is
Debian's `postgresql` package (installed with apt-get when absent). Every server binds 127.0.0.1.
When KAFKA_BOOTSTRAP_SERVERS is set, that broker is used instead of starting one; when every
<SERVICE>_DATABASE_URL is set, those databases are used instead of starting PostgreSQL; when
CONTENT_S3_ENDPOINT_URL is set, that S3 store is used (its bucket must exist; set MARKETING_S3_* to the
same store, marketing reads the vault's files to publish them).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import glob
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import infra_s3  # tools/infra_s3.py: the S3 server (moto) of the media vault
import infra_stripe  # tools/infra_stripe.py: stripe-mock, the billing service's Stripe API peer
import kafka_auth  # tools/kafka_auth.py: the SASL_SSL listener's CA, certificate and users
import local_secrets  # tools/local_secrets.py: the gateway's keys for local runs
from procs import running_pid, say, stop_process

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache"
KAFKA_POM = ROOT / "infra" / "kafka" / "pom.xml"
KAFKA_LOG4J = ROOT / "infra" / "kafka" / "log4j2.xml"
SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
# Databases that belong to no service: `sandbox` is where the chassis' own tests make tables.
EXTRA_DATABASES = ["sandbox"]


@dataclass(frozen=True)
class Profile:
    name: str
    kafka_port: int
    controller_port: int
    pg_port: int
    s3_port: int
    ephemeral: bool

    @property
    def stripe_port(self) -> int:
        """stripe-mock's HTTP port: the S3 server's plus 100 (9500, 19500, 29500, 39500)."""
        return self.s3_port + 100

    @property
    def data(self) -> Path:
        return ROOT / ".data" / self.name

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def secure_bootstrap(self) -> str:
        """The broker's SASL_SSL listener (SCRAM-SHA-512 over TLS), as on Kubernetes."""
        return f"127.0.0.1:{self.kafka_port + 2}"

    @property
    def kafka_auth(self) -> Path:
        return self.data / "kafka-auth"


PROFILES = {
    "run": Profile("run", 9092, 9093, 54320, 9400, ephemeral=False),
    "test": Profile("test", 19092, 19093, 54330, 19400, ephemeral=True),
    "faults": Profile("faults", 29092, 29093, 54340, 29400, ephemeral=True),
    "bench": Profile("bench", 39092, 39093, 54350, 39400, ephemeral=True),
    "faults2": Profile("faults2", 49092, 49093, 54360, 49400, ephemeral=True),
}
TEST_PORT_OFFSETS = {"test": 10000, "faults": 11000, "bench": 12000, "run": 13000, "faults2": 15000}
"""Added to each service's default port (8000-8099) for the test platform of that profile."""


def run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, **kwargs)  # type: ignore[call-overload]


def is_root() -> bool:
    return os.geteuid() == 0


def apt_install(*packages: str) -> None:
    if not is_root() or not shutil.which("apt-get"):
        raise SystemExit(f"missing {', '.join(packages)}: install them (apt-get install {' '.join(packages)})")
    say(f"installing {' '.join(packages)} with apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages], env=env, stdout=subprocess.DEVNULL)


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def pg_bindir() -> Path:
    def find() -> Path | None:
        candidates = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/postgres"),
            key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
        )
        if candidates:
            return Path(candidates[-1]).parent
        pg_config = shutil.which("pg_config")
        if pg_config:
            bindir = Path(subprocess.run([pg_config, "--bindir"], capture_output=True, text=True).stdout.strip())
            if (bindir / "postgres").exists():
                return bindir
        return None

    found = find()
    if found is None:
        apt_install("postgresql")
        found = find()
    if found is None:
        raise SystemExit("PostgreSQL server binaries not found after installing the postgresql package")
    major = int(found.parent.name) if found.parent.name.isdigit() else 15
    if major < 15:
        raise SystemExit(f"PostgreSQL {major} found; Huntaze needs 15 or newer")
    return found


def pg_user() -> str | None:
    """PostgreSQL refuses to run as root: as root we run it as the `postgres` system user."""
    if not is_root():
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        run(["useradd", "--system", "--home-dir", "/var/lib/postgresql", "--shell", "/bin/bash", "postgres"])
    return "postgres"


def as_pg(cmd: list[str], user: str | None, **kwargs: object) -> subprocess.CompletedProcess[str]:
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return run(cmd, **kwargs)


def make_reachable(path: Path, user: str | None) -> None:
    """Lets the postgres user traverse to its data folder (mktemp folders are 0700)."""
    if not user:
        return
    probe = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(path)], capture_output=True)
    if probe.returncode == 0:
        return
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            say(f"granting traversal (o+x) on {parent} so that PostgreSQL can reach its data")
            parent.chmod(mode | 0o001)


def postgres_up(profile: Profile) -> None:
    bindir = pg_bindir()
    user = pg_user()
    pgdata = profile.data / "postgres"
    logfile = profile.data / "logs" / "postgres.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    if user:
        shutil.chown(logfile.parent, user)
    if not (pgdata / "PG_VERSION").exists():
        pgdata.mkdir(parents=True, exist_ok=True)
        if user:
            shutil.chown(pgdata, user)
        make_reachable(pgdata, user)
        say(f"initialising PostgreSQL cluster in {pgdata.relative_to(ROOT)}")
        as_pg(
            [
                str(bindir / "initdb"),
                "-D",
                str(pgdata),
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            user,
            stdout=subprocess.DEVNULL,
        )
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# huntaze local settings\n"
                f"port = {profile.pg_port}\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{pgdata}'\n"
                "max_connections = 300\n"
                "shared_buffers = 256MB\n"
                "fsync = on\n"
                "synchronous_commit = on\n"
                "log_min_messages = warning\n"
            )
        # Only loopback connections exist; trust keeps the local setup free of any password.
        (pgdata / "pg_hba.conf").write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
    else:
        make_reachable(pgdata, user)
    if pg_running(bindir, pgdata, user):
        say(f"PostgreSQL already running on 127.0.0.1:{profile.pg_port}")
    else:
        say(f"starting PostgreSQL on 127.0.0.1:{profile.pg_port}")
        as_pg(
            [str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(logfile), "-w", "-t", "60", "start"],
            user,
            stdout=subprocess.DEVNULL,
        )
    provision_databases(profile)


def pg_running(bindir: Path, pgdata: Path, user: str | None) -> bool:
    if not (pgdata / "postmaster.pid").exists():
        return False
    cmd = [str(bindir / "pg_ctl"), "-D", str(pgdata), "status"]
    if user:
        cmd = ["runuser", "-u", user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True).returncode == 0


def postgres_down(profile: Profile) -> None:
    pgdata = profile.data / "postgres"
    if not (pgdata / "PG_VERSION").exists():
        return
    bindir = pg_bindir()
    user = pg_user()
    if pg_running(bindir, pgdata, user):
        say("stopping PostgreSQL")
        as_pg([str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"], user, stdout=subprocess.DEVNULL)


def provision_databases(profile: Profile) -> None:
    """One role and one database per service; each role may connect only to its own database."""
    import psycopg

    dsn = f"postgresql://postgres@127.0.0.1:{profile.pg_port}/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        for service in SERVICES + EXTRA_DATABASES:
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (service,)).fetchone():
                conn.execute(f'CREATE ROLE "{service}" LOGIN')
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (service,)).fetchone():
                conn.execute(f'CREATE DATABASE "{service}" OWNER "{service}"')
                conn.execute(f'REVOKE ALL ON DATABASE "{service}" FROM PUBLIC')
                conn.execute(f'GRANT ALL ON DATABASE "{service}" TO "{service}"')
    say(f"databases ready: {', '.join(SERVICES + EXTRA_DATABASES)}")


# --------------------------------------------------------------------------------------------
# Kafka
# --------------------------------------------------------------------------------------------


def kafka_version() -> str:
    text = KAFKA_POM.read_text()
    return text.split("<kafka.version>")[1].split("</kafka.version>")[0]


def kafka_libs() -> Path:
    libs = CACHE / "kafka" / kafka_version() / "libs"
    stamp = libs / ".complete"
    if stamp.exists() and stamp.read_text() == KAFKA_POM.read_text():
        return libs
    if not shutil.which("java"):
        apt_install("openjdk-17-jre-headless")
    if not shutil.which("mvn"):
        apt_install("maven")
    say(f"fetching Apache Kafka {kafka_version()} from Maven Central into {libs.relative_to(ROOT)}")
    if libs.exists():
        shutil.rmtree(libs)
    fetched = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(KAFKA_POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={libs}",
            "-DincludeScope=runtime",
        ],
        capture_output=True,
        text=True,
    )
    if fetched.returncode != 0:
        raise SystemExit(f"mvn could not fetch Kafka:\n{fetched.stdout}\n{fetched.stderr}")
    stamp.write_text(KAFKA_POM.read_text())
    return libs


def kafka_pid(profile: Profile) -> int | None:
    return running_pid(profile.data / "kafka.pid", b"kafka.Kafka")


def kafka_up(profile: Profile) -> None:
    libs = kafka_libs()
    data = profile.data / "kafka"
    config = profile.data / "kafka.properties"
    logfile = profile.data / "logs" / "kafka.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    classpath = f"{libs}/*"
    keystore = broker_tls(profile)
    secure = profile.secure_bootstrap
    config.write_text(
        "process.roles=broker,controller\n"
        "node.id=1\n"
        f"controller.quorum.voters=1@127.0.0.1:{profile.controller_port}\n"
        f"listeners=PLAINTEXT://127.0.0.1:{profile.kafka_port},CONTROLLER://127.0.0.1:{profile.controller_port},"
        f"SECURE://{secure}\n"
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{profile.kafka_port},SECURE://{secure}\n"
        "controller.listener.names=CONTROLLER\n"
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURE:SASL_SSL\n"
        "inter.broker.listener.name=PLAINTEXT\n"
        # the SASL_SSL listener: SCRAM-SHA-512 users (made at format time) over TLS, like Strimzi's
        "sasl.enabled.mechanisms=SCRAM-SHA-512\n"
        "listener.name.secure.scram-sha-512.sasl.jaas.config="
        "org.apache.kafka.common.security.scram.ScramLoginModule required;\n"
        "listener.name.secure.ssl.keystore.type=PEM\n"
        f"listener.name.secure.ssl.keystore.location={keystore}\n"
        f"log.dirs={data}\n"
        "num.partitions=6\n"
        "auto.create.topics.enable=false\n"
        "offsets.topic.replication.factor=1\n"
        "offsets.topic.num.partitions=12\n"
        "transaction.state.log.replication.factor=1\n"
        "transaction.state.log.min.isr=1\n"
        "share.coordinator.state.topic.replication.factor=1\n"
        "share.coordinator.state.topic.min.isr=1\n"
        "group.initial.rebalance.delay.ms=0\n"
        "log.retention.hours=168\n"
    )
    if kafka_pid(profile):
        say(f"Kafka already running on {profile.bootstrap}")
    else:
        if not (data / "meta.properties").exists():
            cluster_id = "-"
            while cluster_id.startswith("-"):  # like Kafka's own ids: a leading dash reads as an option
                cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            say(f"formatting Kafka storage (KRaft, cluster {cluster_id})")
            scram = [f"--add-scram=SCRAM-SHA-512=[name={u},password={p}]" for u, p in new_kafka_users(profile).items()]
            run(
                [
                    "java",
                    "-cp",
                    classpath,
                    f"-Dlog4j2.configurationFile={KAFKA_LOG4J}",
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    cluster_id,
                    "-c",
                    str(config),
                    *scram,
                ],
                stdout=subprocess.DEVNULL,
            )
        say(f"starting Kafka {kafka_version()} on {profile.bootstrap}")
        with open(logfile, "ab") as log:
            proc = subprocess.Popen(
                [
                    "java",
                    # the JVM options of Kafka's own kafka-server-start.sh: short G1 pauses
                    "-Xms1g",
                    "-Xmx1g",
                    "-XX:+UseG1GC",
                    "-XX:MaxGCPauseMillis=20",
                    "-XX:InitiatingHeapOccupancyPercent=35",
                    "-XX:+ExplicitGCInvokesConcurrent",
                    "-Djava.awt.headless=true",
                    f"-Dlog4j2.configurationFile={KAFKA_LOG4J}",
                    "-cp",
                    classpath,
                    "kafka.Kafka",
                    str(config),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        (profile.data / "kafka.pid").write_text(str(proc.pid))
    wait_for_kafka(profile.bootstrap, timeout=90, logfile=logfile)
    create_topics(profile.bootstrap)


# Users of the SASL_SSL listener: one per service (as Strimzi's KafkaUsers on Kubernetes), the
# chassis' sandbox, the analysts' read-only user and the operators' re-drive user.
KAFKA_USERS = [*SERVICES, *EXTRA_DATABASES, "analyst", "ops"]


def new_kafka_users(profile: Profile) -> dict[str, str]:
    return kafka_auth.new_users(profile.kafka_auth, KAFKA_USERS)


def broker_tls(profile: Profile) -> Path:
    if not shutil.which("openssl"):
        apt_install("openssl")
    return kafka_auth.broker_keystore(profile.kafka_auth)


def kafka_down(profile: Profile) -> None:
    pid = kafka_pid(profile)
    if pid:
        stop_process(pid, "Kafka", profile.data / "kafka.pid", grace_s=40)


def wait_for_kafka(bootstrap: str, timeout: float, logfile: Path | None = None) -> None:
    """Ready means the broker answered a metadata request."""
    import logging

    from aiokafka.admin import AIOKafkaAdminClient

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)

    async def probe() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.describe_cluster()
        finally:
            await admin.close()

    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            asyncio.run(probe())
            say(f"Kafka answers metadata on {bootstrap}")
            return
        except Exception as exc:  # noqa: BLE001 - not up yet: try again until the deadline
            last = exc
            time.sleep(0.5)
    tail = ""
    if logfile and logfile.exists():
        tail = "\n".join(logfile.read_text(errors="replace").splitlines()[-30:])
    raise SystemExit(f"Kafka did not become ready on {bootstrap} in {timeout:.0f}s: {last!r}\n{tail}")


def create_topics(bootstrap: str) -> None:
    """Every registered event topic and its dead-letter topic, with the registry's partitions."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    from huntaze_events import REGISTRY

    wanted: dict[str, int] = {}
    for spec in REGISTRY:
        wanted[spec.topic] = spec.partitions
        wanted[spec.dlq_topic] = spec.partitions

    async def create() -> list[str]:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
        await admin.start()
        try:
            existing = set(await admin.list_topics())
            missing = [NewTopic(t, n, 1) for t, n in wanted.items() if t not in existing]
            if missing:
                await admin.create_topics(missing)
            return [t.name for t in missing]
        finally:
            await admin.close()

    created = asyncio.run(create())
    say(f"topics ready ({len(wanted)}; created {len(created)})")


# --------------------------------------------------------------------------------------------
# Environment
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------


def external(profile: Profile) -> tuple[bool, bool]:
    """(kafka given, databases given) by the environment."""
    kafka = bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))
    dbs = all(os.environ.get(f"{s.upper()}_DATABASE_URL") for s in SERVICES)
    return kafka, dbs


def environment(profile: Profile) -> dict[str, str]:
    kafka_given, dbs_given = external(profile)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or profile.bootstrap,
    }
    if not kafka_given:  # the local broker's SASL_SSL listener, for the tests of TLS and SCRAM
        env["LOCAL_KAFKA_SASL_SSL_BOOTSTRAP"] = profile.secure_bootstrap
        env["LOCAL_KAFKA_CA_FILE"] = str(profile.kafka_auth / "ca.crt")
        env["LOCAL_KAFKA_USERS_FILE"] = str(profile.kafka_auth / "users.json")
    for service in SERVICES + EXTRA_DATABASES:
        key = f"{service.upper()}_DATABASE_URL"
        env[key] = os.environ.get(key) or f"postgresql+psycopg://{service}@127.0.0.1:{profile.pg_port}/{service}"
    # the integration tests' service ports (default port + offset) and logs, per profile, so that two
    # profiles' test runs on one machine never share a port or a log file
    env["HUNTAZE_PROFILE"] = profile.name
    env["HUNTAZE_TEST_PORT_OFFSET"] = str(TEST_PORT_OFFSETS[profile.name])
    env["HUNTAZE_TEST_LOGDIR"] = str(profile.data / "logs" / "services")
    env.update(infra_s3.s3_environment(profile.s3_port))
    env.update(infra_stripe.stripe_environment(profile.stripe_port))
    env.update(local_secrets.local_secrets(profile.data))
    return env


def write_env_file(profile: Profile) -> Path:
    path = profile.data / "env"
    env = environment(profile)
    path.write_text("".join(f"export {k}={json.dumps(v)}\n" for k, v in env.items()))
    path.chmod(0o600)
    return path


# --------------------------------------------------------------------------------------------


def install() -> None:
    """Fetch and install what every profile runs, once: two profiles started side by side (make test
    runs the suite and the fault scenarios at once) then never race to install the same thing."""
    pg_bindir()
    kafka_libs()
    infra_stripe.install()
    say("installed: PostgreSQL, Kafka, stripe-mock")


def up(profile: Profile) -> None:
    kafka_given, dbs_given = external(profile)
    if profile.ephemeral and not (kafka_given and dbs_given):
        down(profile)
        for sub in ("postgres", "kafka", "kafka-auth", "logs"):
            shutil.rmtree(profile.data / sub, ignore_errors=True)
    profile.data.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if dbs_given:
        say("using the databases given by <SERVICE>_DATABASE_URL")
    else:
        postgres_up(profile)
    if kafka_given:
        say(f"using the Kafka given by KAFKA_BOOTSTRAP_SERVERS={os.environ['KAFKA_BOOTSTRAP_SERVERS']}")
        wait_for_kafka(os.environ["KAFKA_BOOTSTRAP_SERVERS"], timeout=60)
        create_topics(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
    else:
        kafka_up(profile)
    if os.environ.get("CONTENT_S3_ENDPOINT_URL"):
        say(f"using the S3 store given by CONTENT_S3_ENDPOINT_URL={os.environ['CONTENT_S3_ENDPOINT_URL']}")
    else:
        infra_s3.s3_up(profile.data, profile.s3_port)
    if os.environ.get("BILLING_STRIPE_API_BASE"):
        say(f"using the Stripe API given by BILLING_STRIPE_API_BASE={os.environ['BILLING_STRIPE_API_BASE']}")
    else:
        infra_stripe.stripe_up(profile.data, profile.stripe_port)
    path = write_env_file(profile)
    say(f"{profile.name} infrastructure ready in {time.monotonic() - started:.1f}s (env: {path.relative_to(ROOT)})")


def down(profile: Profile) -> None:
    infra_stripe.stripe_down(profile.data)
    infra_s3.s3_down(profile.data)
    kafka_down(profile)
    postgres_down(profile)


def status(profile: Profile) -> None:
    pid = kafka_pid(profile)
    print(f"kafka     {'running pid ' + str(pid) if pid else 'stopped'} ({profile.bootstrap})")
    pgdata = profile.data / "postgres"
    pg = (pgdata / "PG_VERSION").exists() and pg_running(pg_bindir(), pgdata, pg_user())
    print(f"postgres  {'running' if pg else 'stopped'} (127.0.0.1:{profile.pg_port})")
    s3 = infra_s3.s3_pid(profile.data)
    print(f"s3        {'running pid ' + str(s3) if s3 else 'stopped'} (127.0.0.1:{profile.s3_port})")
    stripe = infra_stripe.stripe_pid(profile.data)
    print(f"stripe    {'running pid ' + str(stripe) if stripe else 'stopped'} (127.0.0.1:{profile.stripe_port})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "command",
        choices=["install", "up", "down", "status", "clean", "env", "kafka-kill", "kafka-start", "pg-restart"],
    )
    parser.add_argument("--profile", choices=sorted(PROFILES), default="run")
    parser.add_argument("--down-s", type=float, default=0, help="pg-restart: seconds PostgreSQL stays down")
    args = parser.parse_args()
    profile = PROFILES[args.profile]
    if args.command == "install":
        install()
    elif args.command == "up":
        up(profile)
    elif args.command == "down":
        down(profile)
    elif args.command == "status":
        status(profile)
    elif args.command == "clean":
        down(profile)
        shutil.rmtree(profile.data, ignore_errors=True)
        say(f"removed {profile.data.relative_to(ROOT)}")
    elif args.command == "env":
        sys.stdout.write(write_env_file(profile).read_text())
    elif args.command == "kafka-kill":
        pid = kafka_pid(profile)
        if pid:
            os.kill(pid, signal.SIGKILL)
            while kafka_pid(profile):
                time.sleep(0.05)
            say(f"Kafka (pid {pid}) killed")
    elif args.command == "kafka-start":
        kafka_up(profile)
    elif args.command == "pg-restart":
        pgdata = profile.data / "postgres"
        as_pg(
            [
                str(pg_bindir() / "pg_ctl"),
                "-D",
                str(pgdata),
                "-m",
                "immediate",
                "-w",
                "restart",
                "-l",
                str(profile.data / "logs" / "postgres.log"),
            ],
            pg_user(),
            stdout=subprocess.DEVNULL,
        )
        say("PostgreSQL restarted (immediate: in-flight transactions were cut off)")


if __name__ == "__main__":
    main()
