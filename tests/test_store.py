"""The store keeps a result's row, regions and photo together, and loses nothing half-written."""

import dataclasses
import io

import pytest
import sqlalchemy as sa
from PIL import Image

from hantei.intake import read_photo
from hantei.judges import open_judge
from hantei.store import open_store, photo_name
from hantei.store.results import ID_PATTERN
from tests.photos import encoded, rgb


@pytest.fixture
def store(tmp_path, database_url):
    return open_store(database_url, tmp_path, retention_days=30)


@pytest.fixture(scope="module")
def judged():
    """A judgement, the photo's size and its stored JPEG: what the store is handed."""
    photo = read_photo(encoded(rgb("astronaut"), "PNG"))
    return open_judge("models/keshikaran").judge(photo.image), photo.size, photo.jpeg()


def test_saved_result_reads_back(store, judged):
    judgement, size, _ = judged
    record = store.save(*judged)
    again = store.get(record.id)
    assert again.judgement.verdict == judgement.verdict
    assert again.judgement.score == pytest.approx(judgement.score)
    assert [r.label for r in again.judgement.regions] == ["FACE_FEMALE"]
    assert again.judgement.regions[0].box == judgement.regions[0].box
    assert (again.width, again.height) == size
    assert (again.expires_at - again.created_at).days == 30
    assert Image.open(io.BytesIO(store.photos.read(photo_name(record.id)))).size == size
    assert dataclasses.replace(record, owner_token=None) == again  # save hands back what get reads, unread


def test_ids_are_random_128_bit_and_owner_token_is_secret(store, judged):
    ids = {store.save(*judged).id for _ in range(5)}
    assert len(ids) == 5 and all(ID_PATTERN.match(i) for i in ids)
    record = store.save(*judged)
    assert store.is_owner(record.id, record.owner_token)
    assert not store.is_owner(record.id, "guess")
    with store.engine.connect() as connection:
        query = sa.text("select owner_hash from results where id = :id")
        stored = connection.execute(query, {"id": record.id}).scalar()
    assert record.owner_token not in stored


def test_photo_not_kept_when_asked(store, judged):
    judgement, size, _ = judged
    record = store.save(judgement, size)
    assert not record.has_photo and not store.photos.exists(photo_name(record.id))


def test_delete_removes_row_regions_and_photo(store, judged):
    record = store.save(*judged)
    store.delete(record.id)
    assert store.get(record.id) is None and not store.photos.exists(photo_name(record.id))
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from regions")).scalar() == 0


def test_failed_insert_leaves_no_photo_behind(store, judged):
    judgement, size, jpeg = judged
    judgement = dataclasses.replace(judgement, verdict={"ja": None, "en": None})
    with pytest.raises(sa.exc.IntegrityError):
        store.save(judgement, size, jpeg)
    assert store.photos.names() == []
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("select count(*) from results")).scalar() == 0


def test_unknown_or_malformed_ids_are_none(store):
    assert store.get("x" * 22) is None
    assert store.get("../../etc/passwd") is None


def test_derived_files_are_made_once_replaced_by_a_new_key_and_deleted_with_the_result(store, judged):
    record = store.save(*judged)
    made = []
    first = store.derived(record.id, "card-ja", "k1", lambda: made.append(1) or b"one")
    assert store.derived(record.id, "card-ja", "k1", lambda: made.append(1) or b"again") == first
    assert made == [1] and store.photos.read(first) == b"one"
    second = store.derived(record.id, "card-ja", "k2", lambda: b"two")
    assert not store.photos.exists(first) and store.photos.read(second) == b"two"
    assert store.delete(record.id) and store.files(record.id) == [] and store.gone(record.id)


def test_a_file_made_while_its_result_is_deleted_does_not_stay(store, judged):
    record = store.save(*judged)

    def draw_while_deleted():
        store.delete(record.id)  # the owner deletes while a crawler's card is being drawn
        return b"card"

    assert store.derived(record.id, "card-ja", "k", draw_while_deleted) is None
    assert store.files(record.id) == []
