"""Photo existence is not an oracle (issue 10, finding 7): POST /api/attachments/status answers
only about photos the caller uploaded or a record in the caller's scope refers to; any other
hash looks exactly like one the server does not hold."""
from __future__ import annotations

from common.attachments import photo_ref, sha256_hex
from common.schema import Visit
from sync_server.services.attachments import AttachmentFiles
from sync_server.services.changes import apply_change
from tests.integration.attachment_helpers import make_photo

NOT_HELD = {"received": 0, "size": None, "complete": False}


def upload(server, username: str, photo: bytes) -> str:
    sha = sha256_hex(photo)
    r = server.as_(username).put(f"/api/attachments/{sha}", params={"offset": 0,
                                                                    "size": len(photo)},
                                 content=photo,
                                 headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200 and r.json()["complete"], r.text
    return sha


def status(server, username: str, sha: str) -> dict:
    r = server.as_(username).post("/api/attachments/status", json={"hashes": [sha]})
    assert r.status_code == 200, r.text
    (item,) = r.json()["items"]
    assert item.pop("sha256") == sha
    return item


def test_another_grids_photo_looks_not_held_until_a_record_in_scope_refers_to_it(server,
                                                                                  tmp_path):
    server.app.state.attachment_files = AttachmentFiles(tmp_path / "attachments")
    photo = make_photo(20_000, seed=7)
    sha = upload(server, "worker2", photo)
    held = {"received": len(photo), "size": len(photo), "complete": True}
    assert status(server, "worker2", sha) == held  # the uploader sees it
    assert status(server, "worker1a", sha) == NOT_HELD  # another grid's worker does not
    assert status(server, "office1", sha) == NOT_HELD  # nor another township's office
    assert status(server, "worker1a", "f" * 64) == NOT_HELD  # same answer as a missing photo
    with server.session() as s:  # worker2 records a visit in their grid with the photo
        apply_change(s, Visit, None, {
            "kind": "person", "visitor_id": server.tree.users["worker2"].id,
            "visited_at": server.clock(), "grid_id": server.tree.id("g2"),
            "photos": [photo_ref(sha, len(photo), "image/jpeg", None)]}, now=server.clock())
        s.commit()
    assert status(server, "admin", sha) == held  # the county sees the visit, so the photo
    assert status(server, "worker1a", sha) == NOT_HELD  # still nothing for grid 1a


def test_a_half_uploaded_photo_shows_its_progress_only_to_its_uploader(server, tmp_path):
    server.app.state.attachment_files = AttachmentFiles(tmp_path / "attachments")
    photo = make_photo(300_000, seed=8)
    sha = sha256_hex(photo)
    part = photo[:64 * 1024]
    r = server.as_("worker1b").put(f"/api/attachments/{sha}",
                                   params={"offset": 0, "size": len(photo)}, content=part,
                                   headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 200 and not r.json()["complete"]
    assert status(server, "worker1b", sha) == {"received": len(part), "size": len(photo),
                                               "complete": False}
    assert status(server, "worker1a", sha) == NOT_HELD
