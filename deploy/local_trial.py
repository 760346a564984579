"""A local trial of the scale-out setup on loopback: moto's S3 server, N Streamlit replicas mirroring one
bucket, and Debian's nginx in front of them with `deploy/nginx.conf`.

`make serve-replicas N=2` runs `python -m deploy.local_trial --replicas 2` (publish the repository's data
to the bucket, start everything, print the addresses, stop everything on Ctrl-C); the replica test
(`tests/e2e/test_replicas.py`) uses the same pieces. Every process binds 127.0.0.1 and is stopped by its
own process id.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX = "/usr/sbin/nginx"
NGINX_TEMPLATE = ROOT / "deploy" / "nginx.conf"
BUCKET = "sdcf-trial"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "trial",
    "AWS_SECRET_ACCESS_KEY": "trial",
    "AWS_DEFAULT_REGION": "us-east-1",
}
START_TIMEOUT_S = 60


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path, expect: bytes | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if expect is None or response.read().strip() == expect:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_S} s; see {log}")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask the process to end, and kill it if it has not within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def _process(
    command: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=dict(env) if env else None, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        stop_process(process)


@dataclass(frozen=True)
class ObjectStore:
    """moto's S3 server: its endpoint and the environment a client needs to reach `s3://<bucket>/<prefix>`."""

    endpoint: str
    data_url: str

    @property
    def env(self) -> dict[str, str]:
        return {**CREDENTIALS, "AWS_ENDPOINT_URL": self.endpoint, "SDCF_DATA_URL": self.data_url}


@contextmanager
def moto_server(log: Path, bucket: str = BUCKET, prefix: str = "release") -> Iterator[ObjectStore]:
    """moto's S3 server on a free loopback port, with an empty bucket."""
    port = free_port()
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with _process(command, log) as process:
        endpoint = f"http://127.0.0.1:{port}"
        _wait_for(endpoint + "/", process, log)
        import boto3

        client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **_keys())
        client.create_bucket(Bucket=bucket)
        yield ObjectStore(endpoint, f"s3://{bucket}/{prefix}")


def _keys() -> dict[str, str]:
    return {
        "aws_access_key_id": CREDENTIALS["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    }


def sdcf(arguments: Sequence[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the `sdcf-metrics` command line with `env`."""
    command = [sys.executable, "-m", "sdcf_metrics.cli", *arguments]
    return subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True, check=False)


@dataclass(frozen=True)
class Replica:
    """One Streamlit replica: its address, its process and its own mirror of the bucket."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path


@contextmanager
def replica(store: ObjectStore, data_dir: Path, log: Path) -> Iterator[Replica]:
    """`streamlit run app.py` on a free loopback port, mirroring the bucket into `data_dir/extracts`."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **store.env, "SDCF_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url + "/_stcore/health", process, log, b"ok")
        yield Replica(url, process, data_dir)
    finally:
        stop_process(process)


def nginx_config(
    replicas: Sequence[str], port: int, work: Path, server_name: str = "localhost 127.0.0.1"
) -> str:
    """`deploy/nginx.conf` filled in for a trial: the replicas' addresses, the port, a scratch folder."""
    upstreams = "\n".join(
        f"    server {url.removeprefix('http://')} max_fails=1 fail_timeout=5s;" for url in replicas
    )
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in {
        "@UPSTREAMS@": upstreams,
        "@LISTEN@": f"127.0.0.1:{port}",
        "@SERVER_NAME@": server_name,
        "@WORK@": str(work),
        "@STATIC_ROOT@": str(work / "static"),
    }.items():
        text = text.replace(placeholder, value)
    return text


@dataclass(frozen=True)
class Proxy:
    url: str
    process: subprocess.Popen[bytes]
    config: Path


@contextmanager
def proxy(replicas: Sequence[str], work: Path) -> Iterator[Proxy]:
    """Debian's nginx with `deploy/nginx.conf` on a free loopback port in front of `replicas`."""
    port = free_port()
    work.mkdir(parents=True, exist_ok=True)
    (work / "static").mkdir(exist_ok=True)
    config = work / "nginx.conf"
    config.write_text(nginx_config(replicas, port, work), encoding="utf-8")
    os.chmod(work, 0o755)
    with _process([NGINX, "-c", str(config), "-g", "daemon off;"], work / "nginx.out") as process:
        url = f"http://localhost:{port}"
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, work / "nginx.out", b"ok")
        yield Proxy(url, process, config)


# make serve-replicas ---------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.local_trial", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--replicas", type=int, default=2)
    args = parser.parse_args(argv)
    if not Path(NGINX).exists():
        print(
            "nginx is missing: apt-get install -y nginx-light libnginx-mod-http-headers-more-filter",
            file=sys.stderr,
        )
        return 2
    work = Path(tempfile.mkdtemp(prefix="sdcf-replicas-"))
    os.chmod(work, 0o755)  # nginx's worker drops root and must reach the static folder inside
    with ExitStack() as stack:
        store = stack.enter_context(moto_server(work / "moto.log"))
        steward = work / "steward"
        shutil.copytree(ROOT / "data" / "sources", steward / "sources")
        built = sdcf(["build"], {**store.env, "SDCF_DATA_DIR": str(steward)})
        print(built.stderr.strip(), file=sys.stderr)
        replicas = [
            stack.enter_context(replica(store, work / f"replica-{index}", work / f"replica-{index}.log"))
            for index in range(args.replicas)
        ]
        front = stack.enter_context(proxy([served.url for served in replicas], work / "proxy"))
        print(f"Dashboard through nginx: {front.url}/", file=sys.stderr)
        print(
            f"Replicas: {', '.join(served.url for served in replicas)}; object store {store.endpoint}",
            file=sys.stderr,
        )
        print(
            f"Publish to the bucket: SDCF_DATA_DIR={steward} SDCF_DATA_URL={store.data_url} "
            f"AWS_ENDPOINT_URL={store.endpoint} AWS_ACCESS_KEY_ID=trial AWS_SECRET_ACCESS_KEY=trial "
            "sdcf-metrics build (or ingest FILE, rollback). Logs in " + str(work) + ". Ctrl-C stops it all.",
            file=sys.stderr,
        )
        stopped = threading.Event()
        for number in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or `kill PID` when run in the background
            signal.signal(number, lambda *_: stopped.set())
        stopped.wait()
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
