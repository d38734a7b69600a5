"""Real servers for tests, from Debian's packages, PyPI and the repo's own config: PostgreSQL, Redis, gunicorn, nginx,
SeaweedFS."""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
RUNNING = []  # the gunicorn and nginx servers started and not yet stopped: a failed test shows their logs


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, what, process=None, seconds=60, log=None):
    """Poll check() until it is true; fail with the process's output (or log file) if it died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        if process is not None and process.poll() is not None:
            output = Path(log).read_text(errors="replace") if log else process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"{what} exited: {output[-4000:]}")
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {seconds} s")


class PostgreSQL:
    """A throw-away PostgreSQL cluster on a loopback port, run as the postgres user (initdb refuses root)."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="hantei-pg-"))
        self.port = free_port()
        user = pwd.getpwnam("postgres")
        os.chown(self.folder, user.pw_uid, user.pw_gid)
        self._as_postgres([PG_BIN / "initdb", "-D", self.folder / "data", "-A", "trust", "-U", "postgres",
                           "--no-sync", "-E", "UTF8"])
        self._as_postgres([PG_BIN / "pg_ctl", "-D", self.folder / "data", "-l", self.folder / "log", "-w", "start",
                           "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                                 "-c synchronous_commit=off -c full_page_writes=off"])

    def _as_postgres(self, command):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, cwd=self.folder)

    def new_database(self):
        """A fresh empty database's SQLAlchemy URL."""
        name = "hantei_" + uuid.uuid4().hex[:12]
        self._as_postgres([PG_BIN / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "postgres", name])
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self):
        self._as_postgres([PG_BIN / "pg_ctl", "-D", self.folder / "data", "-m", "immediate", "stop"])
        shutil.rmtree(self.folder, ignore_errors=True)


class Redis:
    """A throw-away redis-server on a loopback port, nothing saved to disk."""

    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = f"redis://127.0.0.1:{self.port}"
        wait_for(self._answers, "redis-server", self.process)

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


class Gunicorn:
    """The app under gunicorn with deploy/gunicorn.conf.py, on a loopback port (root: another checkout's code, as
    bench/launch.py --compare serves the code before a change)."""

    def __init__(self, data_dir, workers=2, env=None, root=ROOT, **settings):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HANTEI_DATA_DIR": str(data_dir), "HANTEI_BIND": f"127.0.0.1:{self.port}",
               "HANTEI_WORKERS": str(workers), "MALLOC_ARENA_MAX": "2", "HANTEI_DEFAULT_JUDGE": "keshikaran",
               **(env or {}),
               **{f"HANTEI_{k.upper()}": str(v) for k, v in settings.items()}}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        # The access log goes to a file: a pipe nobody reads fills up and blocks every worker mid-request.
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        self.log = Path(data_dir) / "gunicorn.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                                             "deploy/gunicorn.conf.py", "app:app"], cwd=root, env=env,
                                            stdout=log, stderr=subprocess.STDOUT)
        wait_for(self._ready, "gunicorn", self.process, log=self.log)
        RUNNING.append(self)

    def _ready(self):
        try:
            return requests.get(self.url + "/healthz/ready", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def logs(self):
        """The last of gunicorn's log (access lines and errors), for a failed test's report."""
        state = "running" if self.process.poll() is None else f"exited with {self.process.returncode}"
        return {f"gunicorn on {self.port} ({state}): gunicorn.log": tail(self.log)}

    def stop(self):
        if self in RUNNING:
            RUNNING.remove(self)
        self.process.terminate()
        self.process.wait(timeout=30)


class Nginx:
    """nginx with the shipped site (deploy/nginx/hantei.conf) minus its TLS lines, in front of one Gunicorn or
    balancing between several."""

    def __init__(self, app, *more):
        self.app = app
        self.folder = Path(tempfile.mkdtemp(prefix="hantei-nginx-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        site = site_without_tls(app.port, self.port, [other.port for other in more])
        (self.folder / "site.conf").write_text(site)
        (self.folder / "nginx.conf").write_text(main_config(self.folder, include=self.folder / "site.conf"))
        self.process = subprocess.Popen(["nginx", "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                                         "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        wait_for(self._answers, "nginx", self.process)
        RUNNING.append(self)

    def _answers(self):
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def logs(self):
        """nginx's error log, for a failed test's report."""
        return {f"nginx on {self.port}: error.log": tail(self.folder / "error.log")}

    def stop(self):
        if self in RUNNING:
            RUNNING.remove(self)
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.folder, ignore_errors=True)


def tail(path, size=4000, routine=("client intended to send too large body",)):
    """The end of a log file without its routine lines (access lines, which start with the request's quoted line;
    refused bodies), or why there is none."""
    try:
        lines = Path(path).read_text(errors="replace").splitlines()
    except OSError as error:
        return f"(no log: {error})"
    return "\n".join(line for line in lines
                     if not line.startswith('"') and not any(mark in line for mark in routine))[-size:]


def main_config(folder, include):
    """A minimal nginx.conf that keeps every file in folder and includes one site."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (f"{user}worker_processes 1;\nerror_log {folder}/error.log;\npid {folder}/nginx.pid;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  access_log {folder}/access.log;\n"
            f"  client_body_temp_path {folder}/body;\n  proxy_temp_path {folder}/proxy;\n"
            f"  fastcgi_temp_path {folder}/fastcgi;\n  uwsgi_temp_path {folder}/uwsgi;\n"
            f"  scgi_temp_path {folder}/scgi;\n  include {include};\n}}\n")


def site_without_tls(app_port, port, more_ports=()):
    """The shipped site with its TLS lines dropped: the app's server listens on a loopback port instead of 443."""
    lines = []
    for line in (ROOT / "deploy" / "nginx" / "hantei.conf").read_text().splitlines():
        listen = line.split("#")[0].strip()
        if listen == "listen 443 ssl http2;":
            lines.append(f"    listen 127.0.0.1:{port};")
        elif listen == "listen 80;":
            lines.append(f"    listen 127.0.0.1:{free_port()};")
        elif "# tls" not in line and listen != "listen [::]:80;":
            lines.append(line)
    servers = "".join(f"server 127.0.0.1:{other};\n    " for other in more_ports) + f"server 127.0.0.1:{app_port};"
    return "\n".join(lines).replace("server 127.0.0.1:8000;", servers) + "\n"


class SeaweedFS:
    """A throw-away SeaweedFS (`weed mini`: master, volume, filer, S3 in one process) with its S3 API on a loopback
    port; stop() and start() again keep its data, as an object store that went away and came back."""

    PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
             "s3.port", "s3.port.grpc", "admin.port", "admin.port.grpc", "webdav.port")

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="hantei-seaweed-"))
        self.ports = {flag: free_port() for flag in self.PORTS}
        self.url = f"http://127.0.0.1:{self.ports['s3.port']}"
        # No identities configured: any key is accepted; boto3 still needs one to sign with.
        self.env = {"AWS_ACCESS_KEY_ID": "hantei", "AWS_SECRET_ACCESS_KEY": "hantei-secret",
                    "AWS_DEFAULT_REGION": "us-east-1", "HANTEI_S3_ENDPOINT_URL": self.url}
        self.start()

    def start(self):
        self.log = self.folder / "weed.log"
        ports = [f"-{flag}={port}" for flag, port in self.ports.items()]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(Path(sys.executable).parent / "weed"), "mini", f"-dir={self.folder / 'data'}", "-ip=127.0.0.1",
                 "-ip.bind=127.0.0.1", "-master.telemetry=false", "-s3.port.iceberg=0", "-s3.port.lance=0",
                 *ports], stdout=log, stderr=subprocess.STDOUT, cwd=self.folder)
        wait_for(self._answers, "weed mini", self.process, seconds=90, log=self.log)

    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.url, region_name="us-east-1",
                            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"])

    def new_bucket(self):
        """A fresh empty bucket's name."""
        name = "hantei-" + uuid.uuid4().hex[:12]
        self.client().create_bucket(Bucket=name)
        return name

    def keys(self, bucket):
        """Every object key in a bucket, listed with the client."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

    def _answers(self):
        """Ready once an object can be written: the S3 port answers before the volume server takes data."""
        client = self.client()
        try:
            client.create_bucket(Bucket="probe")
        except Exception:
            pass  # there already (a restart), or not answering yet: the write below tells
        try:
            client.put_object(Bucket="probe", Key="probe", Body=b"probe")
            return True
        except Exception:
            return False

    def logs(self):
        return {f"seaweedfs on {self.ports['s3.port']}: weed.log": tail(self.log)}

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)

    def remove(self):
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
