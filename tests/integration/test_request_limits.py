"""Request bodies against a real server on 127.0.0.1 (issue 10, finding 6): the size limit holds
on the bytes actually sent (chunked too), on what a compressed sync body expands to, and the
token is checked before a sync body is read."""
from __future__ import annotations

import select
import socket
import time

import httpx
import pytest
import zstandard

from common.sync.codec import pack
from tests.live_server import LiveServer

MB = 1024 * 1024


def send_chunked(live: LiveServer, path: str, total: int, headers: dict[str, str]
                 ) -> tuple[bytes, int]:
    """POST `total` bytes chunked (no Content-Length) over a raw socket, 64 KiB at a time, and
    stop as soon as the server answers: (the answer, how many bytes we had sent by then)."""
    sock = socket.create_connection(("127.0.0.1", live.port), timeout=30)
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{live.port}",
            "Transfer-Encoding: chunked", "Content-Type: application/octet-stream",
            *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    chunk = b"x" * (64 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    answer = b""
    try:
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            sock.sendall(framed)
            sent += len(chunk)
        else:
            sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server answered and closed while we were still sending
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and b"\r\n\r\n" not in answer:
        try:
            part = sock.recv(65536)
        except ConnectionResetError:
            break
        if not part:
            break
        answer += part
    while b"}" not in answer.partition(b"\r\n\r\n")[2] and time.monotonic() < deadline:
        part = sock.recv(65536)
        if not part:
            break
        answer += part
    sock.close()
    return answer, sent


def test_a_chunked_50_mb_body_is_cut_off_at_the_limit_with_413(live):
    token = live.token("worker1a")
    answer, sent = send_chunked(live, "/api/people", 50 * MB,
                                {"Authorization": f"Bearer {token}"})
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert "请求内容过大" in answer.decode("utf-8", "replace")
    # Answered long before the 50 MB were through: the server stopped reading at 16 MB.
    assert sent < 30 * MB


def test_a_chunked_50_mb_sync_body_is_refused_413(live):
    token = live.token("worker1a")
    answer, sent = send_chunked(live, "/api/sync", 50 * MB, {"Authorization": f"Bearer {token}"})
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 30 * MB


def test_an_anonymous_big_sync_post_is_told_to_sign_in_before_anything_is_read(live):
    answer, sent = send_chunked(live, "/api/sync", 50 * MB, {})
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert "请先登录" in answer.decode("utf-8", "replace") or "登录" in answer.decode()
    assert sent < 30 * MB
    # With a declared length too: 401, not 413 and not 400.
    r = httpx.post(f"{live.url}/api/sync", content=b"\0" * (20 * MB),
                   headers={"Content-Type": "application/octet-stream"}, timeout=60)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    r = httpx.post(f"{live.url}/api/sync", content=b"not zstd", timeout=30,
                   headers={"Authorization": "Bearer forged.token.here"})
    assert r.status_code == 401


def test_a_zstd_bomb_sent_to_sync_is_refused_413_without_being_expanded(live):
    bomb = zstandard.ZstdCompressor(level=19).compress(b" " * (200 * MB))
    assert len(bomb) < 100_000
    r = httpx.post(f"{live.url}/api/sync", content=bomb, timeout=60,
                   headers={"Authorization": f"Bearer {live.token('worker1a')}",
                            "Content-Type": "application/octet-stream"})
    assert r.status_code == 413
    assert r.json() == {"code": "body_too_large", "message": "请求内容过大", "errors": []}
    # A well-formed small sync message still goes through after that.
    r = httpx.post(f"{live.url}/api/sync", content=pack({"nonsense": True}), timeout=30,
                   headers={"Authorization": f"Bearer {live.token('worker1a')}"})
    assert r.status_code == 400 and r.json()["code"] == "bad_sync_message"
