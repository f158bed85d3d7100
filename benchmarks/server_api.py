"""REST API latencies of the server on SQLite and PostgreSQL: sign-in, creating a person, listing
and searching people at township scope (20,000 people), revealing an ID number.

In-process (ASGI through the test client), so the figures are the server's own cost without the
network. Run: .venv/bin/python -m benchmarks.server_api [--people N] [--runs R]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from common.schema import Person
from sync_server.app import create_app
from sync_server.db.migrate import migrate
from sync_server.settings import Settings
from tests.factories import PASSWORD, Clock, build_tree, make_id_number, make_person
from tests.pg import PgCluster

NOW = dt.datetime(2026, 11, 24, 9)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英玉兰志强海燕文华明军丽娟红梅德胜"


def _fill(session: Session, tree, n: int) -> None:
    rng = random.Random(7)
    grids = [tree.id(k) for k in ("g1a", "g1b")]
    rows = []
    for i in range(n):
        birth = f"{rng.randint(1940, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        sex = rng.choice(("male", "female"))
        rows.append({"id": str(uuid.uuid4()), "grid_id": grids[i % 2],
                     "id_number": make_id_number(birth, sex=sex, seq=i), "sex": sex,
                     "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                     "birth_date": dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
                     "resident_type": "registered", "status": "normal", "created_at": NOW,
                     "updated_at": NOW, "rev": 0, "field_clock": {}, "deleted": False})
    for start in range(0, n, 5000):
        session.execute(insert(Person), rows[start:start + 5000])


def _median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench(url: str, people: int, runs: int) -> dict[str, float]:
    from fastapi.testclient import TestClient

    migrate(url, now=NOW)
    settings = Settings(database_url=url, environment="test", secret_key="b" * 40)
    app = create_app(settings, clock=Clock(NOW))
    with app.state.sessions() as s:
        tree = build_tree(s, NOW)
        _fill(s, tree, people)
        s.commit()
    client = TestClient(app)
    out: dict[str, float] = {}
    out["login"] = _median_ms(lambda: client.post("/api/auth/login", json={
        "username": "office1", "password": PASSWORD}).raise_for_status(), runs)
    token = client.post("/api/auth/login", json={"username": "office1",
                                                 "password": PASSWORD}).json()["access_token"]
    client.headers["Authorization"] = f"Bearer {token}"
    g = tree.id("g1a")
    out["create person"] = _median_ms(lambda: client.post(
        "/api/people", json=make_person(g)).raise_for_status(), runs * 3)
    out["list page (50)"] = _median_ms(lambda: client.get(
        "/api/people", params={"limit": 50}).raise_for_status(), runs)
    out["list page 200 offset 10k"] = _median_ms(lambda: client.get(
        "/api/people", params={"limit": 200, "offset": 10_000}).raise_for_status(), runs)
    out["search name fragment"] = _median_ms(lambda: client.get(
        "/api/people", params={"q": "建国"}).raise_for_status(), runs)
    pid = client.get("/api/people", params={"limit": 1}).json()["items"][0]["id"]
    out["reveal id number"] = _median_ms(lambda: client.get(
        f"/api/people/{pid}/id-number").raise_for_status(), runs)
    client.close()
    app.state.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = bench(f"sqlite:///{Path(tmp) / 'bench.db'}", args.people, args.runs)
    cluster = PgCluster().start()
    try:
        results["PostgreSQL"] = bench(cluster.url(cluster.create_database()), args.people,
                                      args.runs)
    finally:
        cluster.stop()
    print(f"people in scope: {args.people}; median of {args.runs} runs (create: {args.runs * 3})")
    print(f"| operation | SQLite ms | PostgreSQL ms |\n|---|---:|---:|")
    for op in results["SQLite"]:
        print(f"| {op} | {results['SQLite'][op]:.1f} | {results['PostgreSQL'][op]:.1f} |")


if __name__ == "__main__":
    main()
