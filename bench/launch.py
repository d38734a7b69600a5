"""Launch day through the front door: phone-shaped uploads through the shipped nginx site for thousands of uploads,
as throughput per 10-s window against the model's floor measured in the same run.

    .venv/bin/python bench/launch.py                       (12,000 uploads: 3-5 minutes on 2 cores)
    .venv/bin/python bench/launch.py --compare REV         (REV's code and this checkout in turns, same photo)

The photo is what static/hantei.js sends: a photo shrunk in the browser to 1024 px and encoded by canvas.toBlob
at quality 0.9 (about 170 kB, no metadata), posted with the photo kept (the default) to /api/v1/judge over
kept-alive connections, through nginx (deploy/nginx/hantei.conf, its keepalive to gunicorn as shipped) in front of
gunicorn (deploy/gunicorn.conf.py, one worker per core). The ideal is the floor (bench/floor.py: reduced decode,
letterbox, one session.run) run on every core at once on the same photo, before and after the uploads.
Writes bench/results/launch.md (or launch-compare.md with --compare) and the raw figures beside it as JSON.
"""

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.floor import floor_throughput  # noqa: E402
from bench.load import uploader, worker_rss_mb  # noqa: E402
from bench.photos import camera_image, encode  # noqa: E402
from tests.servers import Gunicorn, Nginx  # noqa: E402

WINDOW = 10.0
CONCURRENCY = 8
FLOOR_PHOTOS = 150  # per core, for each floor measurement (a few seconds)


def phone_photo():
    """A 1024 x 768 photo as a phone's browser sends it after shrinking: a JPEG at quality 90, no metadata."""
    return encode(camera_image((1024, 768)), "JPEG", quality=90)


def drive(url, photo, uploads, concurrency, timeout=60):
    """Post `uploads` photos, `concurrency` at once; [(seconds since the start when answered, status, latency)]."""
    call = uploader(url, photo, timeout)
    turn, lock, answers = itertools.count(), threading.Lock(), []
    started = time.perf_counter()

    def client(_):
        while next(turn) < uploads:
            sent = time.perf_counter()
            try:
                status = call()
            except Exception as error:  # a failed upload is an answer to count, not a crash of the bench
                status = type(error).__name__
            done = time.perf_counter()
            with lock:
                answers.append((done - started, status, done - sent))

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(client, range(concurrency)))
    return answers


def windows(answers, width=WINDOW):
    """Judged uploads per second in each whole window of `width` seconds (a last partial window is left out)."""
    end = max(at for at, _, _ in answers)
    counts = Counter(int(at // width) for at, status, _ in answers if status == 201)
    return [counts.get(index, 0) / width for index in range(int(end // width))]


def summary(answers, ideal):
    """Throughput over the run, its windows against their median, latencies and answers by status."""
    rates = windows(answers)
    wall = max(at for at, _, _ in answers)
    judged = sum(status == 201 for _, status, _ in answers)
    latencies = sorted(latency for _, _, latency in answers)
    median = statistics.median(rates) if rates else 0
    return {"uploads": len(answers), "seconds": wall, "judged/s": judged / wall, "ratio": judged / wall / ideal,
            "windows": rates, "median window": median,
            "lowest window / median": min(rates) / median if median else 0,
            "p50 ms": latencies[len(latencies) // 2] * 1000,
            "p99 ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
            "answers": dict(Counter(str(status) for _, status, _ in answers))}


def recyclings(log, started_wall):
    """Workers recycled and booted during the run, each at its second since the start (from gunicorn's log)."""
    events = []
    for line in Path(log).read_text(errors="replace").splitlines():
        stamp = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) ([+-]\d{4})\]", line)
        if not stamp or not any(mark in line for mark in ("Recycling worker", "Booting worker", "loaded its models")):
            continue
        at = time.mktime(time.strptime(stamp.group(1) + stamp.group(2), "%Y-%m-%d %H:%M:%S%z")) - time.timezone
        if at >= started_wall - 1:
            events.append((round(at - started_wall), line.split("] ", 3)[-1][:120]))
    return events


def folder_figures(data_dir):
    """What the run left on disk: stored files, their megabytes, the database's (with its WAL) megabytes."""
    files = [path for path in Path(data_dir, "photos").glob("*/*") if path.is_file()]
    database = sum(path.stat().st_size for path in Path(data_dir).glob("hantei.db*"))
    return {"files": len(files), "files MB": sum(path.stat().st_size for path in files) / 1e6,
            "database MB": database / 1e6}


def serve(root, data_dir, settings, gunicorn_args=""):
    """gunicorn from a checkout (its deploy/gunicorn.conf.py and app, gunicorn_args added) with nginx in front."""
    env = {"GUNICORN_CMD_ARGS": gunicorn_args} if gunicorn_args else {}
    app = Gunicorn(data_dir, workers=os.cpu_count() or 1, ratelimit="off", root=root, env=env, **settings)
    return app, Nginx(app)


def snapshot(rev):
    """REV's tracked files in a temporary folder (git archive), to serve the code before a change beside it."""
    folder = Path(tempfile.mkdtemp(prefix="hantei-rev-"))
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True, capture_output=True)
    with tarfile.open(fileobj=__import__("io").BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def floor_figure(photo):
    """The floor on every core at once: (photos per second, CPU ms a photo)."""
    return floor_throughput(photo, os.cpu_count() or 1, FLOOR_PHOTOS, cpu=True)


def cpu_seconds(app, nginx):
    """CPU seconds the servers have used: gunicorn's master with every worker it reaped (a recycled one too) and
    those alive, nginx's master and workers."""
    total = 0
    for master in (app.process.pid, nginx.process.pid):
        fields = Path(f"/proc/{master}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
            try:
                fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue  # gone meanwhile: its master counts it once reaped
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def machine_cpu():
    """The machine's busy and total CPU seconds so far (/proc/stat), every core and tenant together."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK"), sum(ticks[:8]) / os.sysconf("SC_CLK_TCK")


def measured(app, nginx, photo, uploads, concurrency, every=1.0):
    """Drive the servers; (answers, server CPU ms per upload, samples of (second, server CPU s, machine busy s,
    machine total s) taken every second meanwhile)."""
    samples, done = [], threading.Event()
    started = time.perf_counter()

    def sample():
        while True:
            samples.append((time.perf_counter() - started, cpu_seconds(app, nginx), *machine_cpu()))
            if done.wait(every):
                break

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        answers = drive(nginx.url, photo, uploads, concurrency)
    finally:
        done.set()
        sampler.join()
    samples.append((time.perf_counter() - started, cpu_seconds(app, nginx), *machine_cpu()))
    return answers, 1000 * (samples[-1][1] - samples[0][1]) / len(answers), samples


def cpu_windows(answers, samples, width=WINDOW):
    """For each whole window: the servers' CPU ms an upload answered in it, and the share of the machine's CPU
    (all cores, every tenant) the servers had and the other tenants took."""
    rows = []
    for index in range(int(max(at for at, _, _ in answers) // width)):
        inside = [sample for sample in samples if index * width <= sample[0] <= (index + 1) * width]
        if len(inside) < 2:
            continue
        first, last = inside[0], inside[-1]
        # the uploads answered between the window's first and last samples, the span its CPU was read over
        uploads = sum(first[0] <= at < last[0] for at, _, _ in answers)
        if not uploads:
            continue
        total = last[3] - first[3]
        ours = last[1] - first[1]
        rows.append({"cpu ms": 1000 * ours / uploads, "ours": ours / total,
                     "others": (last[2] - first[2] - ours) / total})
    return rows


def long_run(args, photo):
    data_dir = tempfile.mkdtemp(prefix="hantei-launch-")
    settings = {"recycle_uploads": args.recycle_uploads} if args.recycle_uploads is not None else {}
    app, nginx = serve(ROOT, data_dir, settings, args.gunicorn_args)
    try:
        drive(nginx.url, photo, 40, CONCURRENCY)  # every worker warm
        floors = [floor_figure(photo)]
        rss = [worker_rss_mb(app.process.pid)]
        before = folder_figures(data_dir)
        started_wall = time.time()
        answers, cpu_ms, samples = measured(app, nginx, photo, args.uploads, args.concurrency)
        rss.append(worker_rss_mb(app.process.pid))
        after = folder_figures(data_dir)
        floors.append(floor_figure(photo))
        events = recyclings(app.log, started_wall)
    finally:
        nginx.stop()
        app.stop()
        shutil.rmtree(data_dir, ignore_errors=True)  # a run keeps about 2 GB of photos
    ideal = statistics.mean(rate for rate, _ in floors)
    floor_cpu = statistics.mean(used for _, used in floors)
    return {"floors": floors, "ideal": ideal, "run": summary(answers, ideal), "cpu ms": cpu_ms,
            "cpu windows": cpu_windows(answers, samples),
            "cpu ratio": floor_cpu / cpu_ms, "rss": rss, "disk before": before, "disk after": after,
            "recyclings": events}


def compare(args, photo):
    """The code at REV and this checkout, each with its own server and data, driven in turns with the floor
    measured between them: before/after ratios of one run."""
    base = snapshot(args.compare)
    folders = {name: tempfile.mkdtemp(prefix=f"hantei-{name}-") for name in ("before", "after")}
    servers = {"before": serve(base, folders["before"], {}), "after": serve(ROOT, folders["after"], {})}
    rows = {name: [] for name in servers}
    floors = []
    try:
        for _, nginx in servers.values():
            drive(nginx.url, photo, 40, CONCURRENCY)
        for number in range(args.rounds):
            floors.append(floor_figure(photo))
            for name in sorted(servers, reverse=number % 2 == 1):  # each goes first every other round
                answers, cpu_ms, _ = measured(*servers[name], photo, args.uploads // args.rounds // 2,
                                              args.concurrency)
                rate = sum(status == 201 for _, status, _ in answers) / max(at for at, _, _ in answers)
                rows[name].append({"rate": rate, "ratio": rate / floors[-1][0], "cpu ms": cpu_ms,
                                   "cpu ratio": floors[-1][1] / cpu_ms})
    finally:
        for app, nginx in servers.values():
            nginx.stop()
            app.stop()
        for folder in (base, *folders.values()):
            shutil.rmtree(folder, ignore_errors=True)
    return {"rev": args.compare, "floors": floors, "rounds": rows}


def settings_note(args):
    """The settings a run changed, as a clause of its heading."""
    notes = ([f"HANTEI_RECYCLE_UPLOADS={args.recycle_uploads}"] if args.recycle_uploads is not None else []) + (
        [f"gunicorn {args.gunicorn_args}"] if args.gunicorn_args else [])
    return "; " + ", ".join(notes) if notes else ""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # Enough that each of two workers is recycled once at the shipped rate (HANTEI_RECYCLE_UPLOADS, 5,000 each)
    # and its successor judges a while: what a worker's boot costs is counted at the rate an instance pays it.
    parser.add_argument("--uploads", type=int, default=12_000)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--recycle-uploads", type=int, help="HANTEI_RECYCLE_UPLOADS for this run")
    parser.add_argument("--gunicorn-args", default="", help="more gunicorn settings (GUNICORN_CMD_ARGS), e.g. "
                        "'--max-requests 1000' as deploy/gunicorn.conf.py had it")
    parser.add_argument("--compare", metavar="REV", help="drive REV's code and this checkout in turns")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--name", help="the results' file name in bench/results/ (launch, launch-compare)")
    args = parser.parse_args()
    photo = phone_photo()
    load = os.getloadavg()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = (f"{os.cpu_count()} cores, load average {load[0]:.1f} at the start and {{end:.1f}} at the end, "
            f"priority {os.nice(0)}{settings_note(args)}; a {len(photo) / 1e3:.0f} kB 1024 x 768 JPEG, kept, "
            f"{args.concurrency} at once through nginx.")
    if args.compare:
        result = compare(args, photo)
        lines = [f"# Before and after, through nginx, {when}", "", head.format(end=os.getloadavg()[0]), "",
                 f"Before: `{args.compare}`; after: this checkout. Rounds of {args.uploads // args.rounds // 2} "
                 "uploads each, in turn, the floor measured before each round.", "",
                 "Throughput against the floor's on every core at once (wall), and the floor's CPU time a photo "
                 "against the servers' (gunicorn and nginx) an upload (CPU: what the machine's other work changes "
                 "least):", "",
                 "| round | floor /s, CPU ms | before /s | ratio | CPU ms | CPU ratio | after /s | ratio | CPU ms | "
                 "CPU ratio | after / before |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        pairs = list(zip(result["floors"], result["rounds"]["before"], result["rounds"]["after"]))
        for number, ((rate, used), b, a) in enumerate(pairs, 1):
            lines.append(f"| {number} | {rate:.1f}, {used:.1f} | " + " | ".join(
                f"{row['rate']:.1f} | {row['ratio']:.2f} | {row['cpu ms']:.1f} | {row['cpu ratio']:.2f}"
                for row in (b, a)) + f" | {a['rate'] / b['rate']:.2f} |")
        median = {name: {key: statistics.median(row[key] for row in rows) for key in rows[0]}
                  for name, rows in result["rounds"].items()}
        lines += ["", "Medians over the rounds: " + "; ".join(
            f"{name} {m['ratio']:.2f} of the floor's throughput, {m['cpu ms']:.1f} CPU ms an upload "
            f"({m['cpu ratio']:.2f} of the floor's)" for name, m in median.items())
            + f"; after / before throughput {statistics.median(a['rate'] / b['rate'] for _, b, a in pairs):.2f}."]
        name = args.name or "launch-compare"
    else:
        result = long_run(args, photo)
        run = result["run"]
        lines = [f"# Launch through the front door, {when}", "", head.format(end=os.getloadavg()[0]), "",
                 f"The floor on every core at once: {result['floors'][0][0]:.1f}/s before the uploads, "
                 f"{result['floors'][1][0]:.1f}/s after; the ideal is their mean, {result['ideal']:.1f}/s. "
                 f"CPU: {result['cpu ms']:.1f} ms of gunicorn and nginx an upload, "
                 f"{result['cpu ratio']:.2f} of the floor's a photo.", "",
                 f"**{run['uploads']} uploads in {run['seconds']:.0f} s: {run['judged/s']:.1f}/s, "
                 f"{run['ratio']:.2f} of the ideal**; answers {run['answers']}; p50 {run['p50 ms']:.0f} ms, "
                 f"p99 {run['p99 ms']:.0f} ms.", "",
                 f"Judged uploads per second in each {WINDOW:.0f}-s window (median {run['median window']:.1f}, "
                 f"lowest {run['lowest window / median']:.2f} of it):", "",
                 ", ".join(f"{rate:.1f}" for rate in run["windows"]), "",
                 "The servers' CPU ms an upload in each window (what the app itself costs, whatever else runs):", "",
                 ", ".join(f"{row['cpu ms']:.1f}" for row in result["cpu windows"]), "",
                 "The share of the machine's CPU (both cores) the servers had, and the other tenants', in each "
                 "window:", "",
                 ", ".join(f"{row['ours']:.2f}/{row['others']:.2f}" for row in result["cpu windows"]), "",
                 "Worker RSS (MB) before and after: " + " -> ".join("/".join(f"{mb:.0f}" for mb in step)
                                                                   for step in result["rss"]) + "; on disk after: "
                 f"{result['disk after']['files']} files, {result['disk after']['files MB']:.0f} MB, database "
                 f"{result['disk after']['database MB']:.1f} MB.", "",
                 "Workers recycled and booted (second of the run: gunicorn's line):", ""]
        lines += [f"- {at} s: {line}" for at, line in result["recyclings"]] or ["- none"]
        name = args.name or "launch"
    text = "\n".join(lines) + "\n"
    (ROOT / "bench" / "results" / f"{name}.md").write_text(text)
    (ROOT / "bench" / "results" / f"{name}.json").write_text(json.dumps(result, indent=1, default=float))
    print(text)


if __name__ == "__main__":
    main()
