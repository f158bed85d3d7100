"""HTTP client for new client builds (server api/routes/releases.py): ask for the latest release
and download a build, resuming a cut download from its `.part` file (Range request) and
verifying the whole file by the SHA-256 the server published before it is kept."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from common.errors import DomainError

from .sync import refusal

TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
CHUNK = 64 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


class UpdateClient:
    def __init__(self, server_url: str, token: str, *, http: httpx.Client | None = None) -> None:
        self.base = server_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._http = http or httpx.Client(timeout=TIMEOUT)

    def close(self) -> None:
        self._http.close()

    def latest(self, version: str) -> dict[str, Any]:
        """{release, update, required} for this client's `version`."""
        try:
            resp = self._http.get(f"{self.base}/api/client/latest", params={"version": version},
                                  headers=self._headers)
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code != 200:
            raise refusal(resp)
        return resp.json()

    def download(self, release: dict[str, Any], folder: Path,
                 on_progress: Callable[[int, int], None] | None = None) -> Path:
        """The verified build at `folder/<filename>`. A cut download leaves `<filename>.part`
        and the next call continues from where it stopped; a file that does not match the
        published hash is deleted and refused (update_hash_mismatch)."""
        folder.mkdir(parents=True, exist_ok=True)
        name = Path(str(release["filename"])).name
        final, part = folder / name, folder / f"{name}.part"
        total = int(release["size"])
        if final.exists() and _sha256(final) == release["sha256"]:
            return final
        offset = part.stat().st_size if part.exists() else 0
        if offset > total:
            part.unlink()
            offset = 0
        headers = dict(self._headers)
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            with self._http.stream("GET", self.base + str(release["download"]),
                                   headers=headers) as resp:
                if resp.status_code not in (200, 206):
                    resp.read()
                    raise refusal(resp)
                mode = "ab" if resp.status_code == 206 else "wb"
                done = offset if mode == "ab" else 0
                with part.open(mode) as out:
                    for chunk in resp.iter_bytes(CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress:
                            on_progress(done, total)
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        if _sha256(part) != release["sha256"]:
            part.unlink()
            raise DomainError("update_hash_mismatch")
        part.replace(final)
        return final


__all__ = ["UpdateClient"]
