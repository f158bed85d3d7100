"""No console page or asset it links references another host: the console works on an intranet
with no internet at all."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient

from sync_server.web import page_paths
from tests.web.conftest import sign_in

# XML namespace names (www.w3.org/...) identify, they are never fetched.
EXTERNAL = re.compile(r"(?:https?:)?//(?!127\.0\.0\.1|localhost|testserver|"
                      r"www\.w3\.org/(?:2000/svg|2000/xmlns/|1999/xlink|1999/xhtml|XML/1998/namespace))"
                      r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
NOT_REQUESTS = {
    # licence comments at the top of the bundles
    "/admin/static/vendor/echarts/echarts.min.js": {"http://www.apache.org", "https://github.com"},
    # the attribution control's link text; the map page turns that control off (static/map.js)
    "/admin/static/vendor/leaflet/leaflet.js": {"https://leafletjs.com"},
    # comments naming browser bug reports
    "/admin/static/vendor/leaflet/leaflet.css": {"https://bugs.chromium.org",
                                                "https://bugzilla.mozilla.org"},
    # the package.json metadata (repository, author) built into the bundle
    "/admin/static/vendor/leaflet-geoman/leaflet-geoman.min.js": {
        "https://github.com", "//github.com", "https://geoman.io", "http://geoman.io"},
    # the XML namespace of the SVG editor that drew the toolbar icons (data: URIs)
    "/admin/static/vendor/leaflet-geoman/leaflet-geoman.css": {"https://sketch.com",
                                                               "http://www.bohemiancoding.com"},
}
"""Host names a vendored file contains that no browser fetches: (asset, names)."""
LINKED = re.compile(r'(?:src|href)="(/admin/static/[^"]+)"')


def test_every_admin_page_and_its_assets_name_no_external_host(web):
    client = TestClient(web.app)
    sign_in(client, "admin")
    pages = page_paths()
    assert {"/admin/", "/admin/login", "/admin/people"} <= set(pages)
    assets: set[str] = set()
    for path in pages:
        html = client.get(path).text
        assert not EXTERNAL.findall(html), (path, EXTERNAL.findall(html))
        assets |= set(LINKED.findall(html))
    assert any(a.endswith("htmx.min.js") for a in assets)
    for asset in sorted(assets):
        body = client.get(asset)
        assert body.status_code == 200, asset
        found = set(EXTERNAL.findall(body.text)) - NOT_REQUESTS.get(asset, set())
        assert not found, (asset, found)
