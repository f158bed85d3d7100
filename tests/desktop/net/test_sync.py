"""The HTTP sync transport: retries a flaky link, keeps the server's refusal codes."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from common.errors import DomainError
from common.sync.codec import pack, unpack
from common.sync.messages import MEDIA_TYPE, PullResponse, SyncRequest, SyncResponse
from desktop.net.sync import HttpSyncTransport


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 to the first `fail` requests, then a real SyncResponse (or a refusal)."""

    calls = 0
    fail = 2
    refuse: tuple[int, str] | None = None

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).calls += 1
        if type(self).calls <= type(self).fail:
            self.send_response(503)
            self.end_headers()
            return
        if type(self).refuse:
            status, code = type(self).refuse
            out = ('{"code": "%s", "message": "x"}' % code).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
        else:
            request = SyncRequest.model_validate(unpack(body))
            answer = SyncResponse(server_time="2026-11-24T09:00:00",
                                  pull=PullResponse(cursor=request.pull.cursor + 1))
            out = pack(answer.model_dump(mode="json"))
            self.send_response(200)
            self.send_header("Content-Type", MEDIA_TYPE)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def server():
    Flaky.calls, Flaky.fail, Flaky.refuse = 0, 2, None
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_a_flaky_link_is_retried_until_the_exchange_goes_through(server):
    t = HttpSyncTransport(server, attempts=4)
    answer = t.exchange(SyncRequest(device_id="d"), "token")
    assert answer.pull.cursor == 1 and Flaky.calls == 3
    t.close()


def test_a_link_that_stays_down_is_reported_as_unreachable(server):
    Flaky.fail = 99
    t = HttpSyncTransport(server, attempts=2)
    with pytest.raises(DomainError) as e:
        t.exchange(SyncRequest(device_id="d"), "token")
    assert e.value.code == "server_unreachable"
    t.close()


def test_a_too_old_client_gets_the_servers_code_not_a_retry(server):
    Flaky.fail, Flaky.refuse = 0, (426, "client_too_old")
    t = HttpSyncTransport(server, attempts=4)
    with pytest.raises(DomainError) as e:
        t.exchange(SyncRequest(device_id="d"), "token")
    assert e.value.code == "client_too_old" and Flaky.calls == 1
    t.close()
