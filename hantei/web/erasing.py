"""Delete means every copy: a result's row, photo, blurred copy and cards, and what the cockpit kept of it
(reports, the review, a training copy kept with consent); the one place every delete view calls."""

from ..services import albums, cockpit, store


def erase_result(result_id):
    """Delete a result and everything kept about it; whether it was there."""
    existed = store().delete(result_id)
    cockpit().review.forget(result_id)
    return existed


def erase_album(album_id):
    """Delete an album, every result in it, and everything kept about each of them."""
    album = albums().get(album_id)
    albums().delete(album_id)
    for record in album.records if album else ():
        cockpit().review.forget(record.id)


def erase_album_photo(album_id, result_id):
    """Delete one photo of an album (its result and everything kept about it); whether the album held it."""
    if not albums().delete_photo(album_id, result_id):
        return False
    cockpit().review.forget(result_id)
    return True
