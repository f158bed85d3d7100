"""The pages' scripts and styles travel gzip-compressed (a resident's first visit over 2G is
mostly these); the pages themselves do not (they carry the CSRF token beside what a user
typed, which compression would leak: BREACH)."""
from __future__ import annotations

import gzip

import httpx
from fastapi.testclient import TestClient


def test_scripts_and_styles_are_compressed_and_pages_are_not(web):
    client = TestClient(web.app)
    with httpx.Client(transport=client._transport, base_url="http://testserver") as raw:
        for path in ("/h5/static/h5.js", "/h5/static/h5.css", "/admin/static/app.css",
                     "/admin/static/vendor/echarts/echarts.min.js"):
            plain = raw.get(path, headers={"Accept-Encoding": "identity"})
            assert plain.status_code == 200 and "content-encoding" not in plain.headers
            with raw.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as packed:
                assert packed.headers["content-encoding"] == "gzip", path
                wire = b"".join(packed.iter_raw())
            assert gzip.decompress(wire) == plain.content  # the same file, decoded
            assert len(wire) < len(plain.content) * 0.6, path
        page = raw.get("/admin/login", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and "content-encoding" not in page.headers
