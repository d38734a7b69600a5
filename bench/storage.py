"""Object storage bench: uploads per second through two app servers on S3 against one server on its local disk.

    .venv/bin/python bench/storage.py            (about a minute on 2 cores)

Both shapes sit behind the shipped nginx site and get the same CPU: one server with 2 workers on SQLite and its
data folder, against two servers with 1 worker each on PostgreSQL, Redis and a SeaweedFS bucket (no shared disk).
Then what one stored object costs: a PUT, GET and the listing of a result's files, bucket against folder, on the
stored copy of the bench photo. Writes bench/results/storage.md.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.load import uploader  # noqa: E402
from bench.loadgen import markdown, run_level  # noqa: E402
from hantei.store import LocalPhotos  # noqa: E402
from hantei.store.objects import S3Photos, is_public  # noqa: E402
from tests.photos import phone_jpeg  # noqa: E402
from tests.servers import Gunicorn, Nginx, PostgreSQL, Redis, SeaweedFS  # noqa: E402

COUNT, CONCURRENCY, REPEATS = 32, 4, 30
SECRET = "bench-" + "0" * 32


def throughput(servers, photo):
    """Uploads per second (and latencies) through nginx in front of these servers; stops them after."""
    nginx = Nginx(*servers)
    try:
        run_level(uploader(nginx.url, photo, 60), CONCURRENCY, 4)  # warm every worker first
        return run_level(uploader(nginx.url, photo, 60), CONCURRENCY, COUNT)
    finally:
        nginx.stop()
        for server in servers:
            server.stop()


def median_ms(action):
    times = []
    for number in range(REPEATS):
        started = time.perf_counter()
        action(number)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def object_costs(photos, data):
    """Median milliseconds of one PUT, GET and listing of a result's files, on one kind of store."""
    return {"put ms": median_ms(lambda n: photos.put(f"zz/bench{n:04d}.jpg", data)),
            "get ms": median_ms(lambda n: photos.read(f"zz/bench{n:04d}.jpg")),
            "list ms": median_ms(lambda n: photos.named("zz", f"bench{n:04d}.")),
            "delete ms": median_ms(lambda n: photos.delete(f"zz/bench{n:04d}.jpg"))}


def main():
    photo = phone_jpeg()
    seaweed, postgresql, redis = SeaweedFS(), PostgreSQL(), Redis()
    os.environ.update(seaweed.env)
    try:
        folder = Path(tempfile.mkdtemp(prefix="hantei-bench-local-"))
        local = throughput([Gunicorn(folder, workers=2, ratelimit="off")], photo)
        bucket = seaweed.new_bucket()
        shared = {"database_url": postgresql.new_database(), "storage_url": f"s3://{bucket}/site",
                  "secret_key": SECRET, "ratelimit": "off", "ratelimit_storage": redis.url}
        servers = [Gunicorn(Path(tempfile.mkdtemp(prefix=f"hantei-bench-s3-{n}-")), workers=1, env=seaweed.env,
                            **shared) for n in (1, 2)]
        spread = throughput(servers, photo)
        bucket_photos = S3Photos(f"s3://{bucket}/site", seaweed.url)
        stored = bucket_photos.names()
        photos = [name for name in stored if not is_public(name)]
        sizes = [bucket_photos.head(name)[0] for name in stored]
        photo_bytes = bucket_photos.read(photos[0])
        costs = [{"store": "local folder", **object_costs(LocalPhotos(folder / "photos"), photo_bytes)},
                 {"store": "S3 (SeaweedFS)", **object_costs(S3Photos(f"s3://{bucket}/costs", seaweed.url),
                                                            photo_bytes)}]
    finally:
        redis.stop()
        postgresql.stop()
        seaweed.remove()
    report(local, spread, costs, len(photos), sizes, len(photo_bytes))


def report(local, spread, costs, uploads, sizes, stored_bytes):
    rows = [{"shape": "1 server x 2 workers, SQLite + local disk", **local},
            {"shape": "2 servers x 1 worker, PostgreSQL + Redis + S3", **spread}]
    ratio = spread["judged/s"] / local["judged/s"]
    text = "\n\n".join([
        f"# Object storage bench\n\n{COUNT} uploads of a 12 MP phone JPEG at concurrency {CONCURRENCY}, "
        f"through nginx, on {os.cpu_count()} cores.",
        markdown(rows),
        f"Two servers on S3 reach **{ratio:.2f}x** the uploads per second of one server on its disk.",
        f"Per upload the bucket holds {len(sizes) / max(uploads, 1):.1f} objects (the photo; cards and blurred "
        f"copies come on first view), {sum(sizes) / max(uploads, 1) / 1024:.0f} KiB. One stored photo of "
        f"{stored_bytes / 1024:.0f} KiB costs, median of {REPEATS}:",
        markdown(costs),
    ]) + "\n"
    out = ROOT / "bench" / "results" / "storage.md"
    out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
