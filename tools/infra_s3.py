"""The local S3-compatible server (moto's server mode, from the dev dependencies in .venv) that
tools/infra.py starts for each profile: the content service's media vault, read by marketing too."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from procs import running_pid, say, stop_process

S3_BUCKET = "huntaze-media"
S3_REGION = "us-east-1"
# moto checks no signature: local credentials only name the caller (never used against a real store)
S3_LOCAL_KEY_ID = "huntaze-local"
S3_LOCAL_SECRET = "huntaze-local-secret"


def s3_pid(data: Path) -> int | None:
    return running_pid(data / "s3.pid", b"moto")


def s3_up(data: Path, port: int) -> None:
    endpoint = f"http://127.0.0.1:{port}"
    if s3_pid(data):
        say(f"S3 server already running on {endpoint}")
    else:
        server = Path(sys.executable).parent / "moto_server"
        if not server.exists():
            raise SystemExit(f"{server} is missing: run `make install` (moto[server] is a dev dependency)")
        logfile = data / "logs" / "s3.log"
        logfile.parent.mkdir(parents=True, exist_ok=True)
        say(f"starting the S3 server (moto) on {endpoint}")
        with open(logfile, "ab") as log:
            proc = subprocess.Popen(
                [str(server), "-H", "127.0.0.1", "-p", str(port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        (data / "s3.pid").write_text(str(proc.pid))
    wait_for_s3(endpoint, timeout=30)


def wait_for_s3(endpoint: str, timeout: float) -> None:
    """Ready means the bucket exists (made here when missing), with the CORS rule browsers need to PUT
    to presigned URLs."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=S3_REGION,
        aws_access_key_id=S3_LOCAL_KEY_ID,
        aws_secret_access_key=S3_LOCAL_SECRET,
        config=Config(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5),
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
            if S3_BUCKET not in existing:
                client.create_bucket(Bucket=S3_BUCKET)
            client.put_bucket_cors(
                Bucket=S3_BUCKET,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedMethods": ["PUT", "GET"],
                            "AllowedOrigins": ["*"],
                            "AllowedHeaders": ["*"],
                            "ExposeHeaders": ["ETag"],
                            "MaxAgeSeconds": 3600,
                        }
                    ]
                },
            )
            return
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() > deadline:
                raise SystemExit(f"the S3 server at {endpoint} did not answer in {timeout}s: {exc}") from exc
            time.sleep(0.2)


def s3_down(data: Path) -> None:
    pid = s3_pid(data)
    if pid:
        stop_process(pid, "the S3 server", data / "s3.pid", grace_s=10)


def s3_environment(port: int) -> dict[str, str]:
    """The vault's store for the content service, and the same for marketing, which reads it to
    publish vault media (in production marketing has its own read-only credentials)."""
    if os.environ.get("CONTENT_S3_ENDPOINT_URL"):
        return {}
    content = {
        "CONTENT_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "CONTENT_S3_BUCKET": S3_BUCKET,
        "CONTENT_S3_REGION": S3_REGION,
        "CONTENT_S3_ACCESS_KEY_ID": S3_LOCAL_KEY_ID,
        "CONTENT_S3_SECRET_ACCESS_KEY": S3_LOCAL_SECRET,
    }
    return content | {k.replace("CONTENT_", "MARKETING_", 1): v for k, v in content.items()}
