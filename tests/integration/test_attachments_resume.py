"""Property: whatever the link does to an upload (cuts before or after a chunk lands, duplicated
requests), the server ends up with exactly the photo, and only chunks cut in flight are re-sent.
Real server app and database (in-process ASGI client), real client uploader and blob store."""
from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.attachments import sha256_hex
from desktop.net.attachments import AttachmentClient
from desktop.services.attachments import AttachmentSync
from desktop.storage.blobs import BlobStore
from sync_server.app import create_app
from sync_server.services.auth import make_access_token
from sync_server.settings import Settings
from tests.conftest import NOW
from tests.factories import Clock, build_tree
from tests.integration.attachment_helpers import make_photo

CHUNK = 1024
FAULTS = (None, None, "cut", "answer_lost", "duplicate")


class FaultyLink:
    """An httpx client over the in-process app that breaks requests as scripted."""

    def __init__(self, client: TestClient, faults: list[str | None]) -> None:
        self.client = client
        self.faults = list(faults)
        self.cuts = 0
        self.stream_cuts: list[int] = []
        self.offsets: list[int] = []

    def request(self, method: str, url: str, **kw):
        fault = self.faults.pop(0) if self.faults else None
        if fault == "cut":  # the request dies on the way: the server never sees it whole
            self.cuts += 1
            raise httpx.ReadError("link cut")
        response = self.client.request(method, url, **kw)
        if fault == "answer_lost":
            raise httpx.ReadError("answer lost")
        if fault == "duplicate":
            response = self.client.request(method, url, **kw)
        return response

    @contextmanager
    def stream(self, method: str, url: str, **kw):
        """A download; the next scripted cut (bytes into this response) drops the link there."""
        self.offsets.append(kw.get("params", {}).get("offset", 0))
        cut_at = self.stream_cuts.pop(0) if self.stream_cuts else None
        with self.client.stream(method, url, **kw) as resp:
            if cut_at is None:
                yield resp
                return

            class CutResponse:
                status_code = resp.status_code

                def read(self) -> bytes:
                    return resp.read()

                def iter_bytes(self):
                    got = 0
                    for piece in resp.iter_bytes():
                        take = piece[:cut_at - got]
                        got += len(take)
                        if take:
                            yield take
                        if got >= cut_at:
                            raise httpx.ReadError("link cut")
                    raise httpx.ReadError("link cut")

            yield CutResponse()

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def app(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("resume")
    shutil.copyfile(sqlite_template, folder / "server.db")
    settings = Settings(database_url=f"sqlite:///{folder / 'server.db'}", environment="test",
                        secret_key="test-secret-" + "x" * 32, attachments_dir=folder / "att")
    app = create_app(settings, clock=Clock(NOW))
    with app.state.sessions() as s:
        tree = build_tree(s, NOW)
        s.commit()
    app.state.token = make_access_token(tree.users["worker1a"], settings, NOW)
    yield app
    app.state.engine.dispose()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(seed=st.integers(0, 10**9), faults=st.lists(st.sampled_from(FAULTS), max_size=25))
def test_any_mix_of_cuts_lost_answers_and_duplicates_ends_with_the_exact_photo(app, seed,
                                                                               faults):
    photo = make_photo(6_000, seed=seed)
    store = BlobStore(app.state.settings.attachments_dir.parent / uuid.uuid4().hex,
                      os.urandom(32))
    sha = store.put_photo(photo)[0]
    link = FaultyLink(TestClient(app, base_url="http://testserver"), faults)
    client = AttachmentClient("http://testserver", app.state.token, http=link)  # type: ignore
    report = AttachmentSync(store, client, chunk_size=CHUNK).upload_until_done(
        attempts=len(faults) + 2, wait=0)
    final = app.state.settings.attachments_dir / sha[:2] / sha
    assert report.sent + report.already_there == [sha]
    assert final.read_bytes() == photo and sha256_hex(final.read_bytes()) == sha
    assert store.unsent() == []
    assert report.bytes_attempted <= len(photo) + link.cuts * CHUNK


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(seed=st.integers(0, 10**9), cuts=st.lists(st.integers(1, 3000), max_size=5))
def test_a_download_cut_any_number_of_times_resumes_where_it_stopped_and_checks_the_hash(
        app, seed, cuts):
    photo = make_photo(6_000, seed=seed)
    folder = app.state.settings.attachments_dir.parent / uuid.uuid4().hex
    sender = BlobStore(folder / "sender", os.urandom(32))
    sha = sender.put_photo(photo)[0]
    up = AttachmentClient("http://testserver", app.state.token,
                          http=FaultyLink(TestClient(app, base_url="http://testserver"), []))
    AttachmentSync(sender, up).upload_pending()
    link = FaultyLink(TestClient(app, base_url="http://testserver"), [])
    link.stream_cuts = list(cuts)
    down = AttachmentClient("http://testserver", app.state.token, http=link)  # type: ignore
    receiver = BlobStore(folder / "receiver", os.urandom(32))
    assert AttachmentSync(receiver, down).fetch_original(sha) == photo
    assert receiver.get(sha) == photo
    # Each retry asked for the rest only: offsets never go back.
    assert link.offsets == sorted(link.offsets) and link.offsets[0] == 0
