"""Property: whatever the link does to an upload (cuts before or after a chunk lands, duplicated
requests), the server ends up with exactly the photo, and only chunks cut in flight are re-sent.
Real server app and database (in-process ASGI client), real client uploader and blob store."""
from __future__ import annotations

import os
import shutil
import uuid

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
