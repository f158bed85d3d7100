"""Sync benchmark fixtures: a server database with one grid of 2,000 people, 600 houses and
5,000 past visits (plus a second grid, so scope filtering does real work), a worker and a
township office account; and a server process on 127.0.0.1 (uvicorn) to sync against."""
from __future__ import annotations

import datetime as dt
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from common.schema import House, OrgNode, Person, Visit, user_fields
from common.sync import hlc
from common.validation import id_check_digit

ROOT = Path(__file__).resolve().parents[1]
# The link shaper lives beside the checkout (shared/tools), not inside it.
SHAPER = ROOT / ".." / "shared" / "tools" / "shaper.py"
PASSWORD = "Bench@2026"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉凤春梅海燕东"
UYGHUR = ["阿不都", "艾尔肯", "买买提", "吐尔逊", "阿依古丽", "古丽娜尔", "热依拉", "努尔", "帕提古丽",
          "艾力", "依明", "库尔班", "阿布拉", "米热古丽", "迪丽拜尔", "玉素甫", "如则", "祖丽皮亚"]
NOTES = ["入户走访，家中情况稳定", "老人身体状况良好，叮嘱按时服药", "了解低保申请进展", "宣传防诈骗知识",
         "检查用电用气安全", "孩子上学情况正常", "反映门前道路积水，已上报", "独居老人，生活能自理",
         "核对家庭成员信息", "宣传医保缴费政策", "邻里纠纷已调解", "外出务工人员已返乡"]


def name(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(UYGHUR) + "·" + rng.choice(UYGHUR)
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def id_number(rng: random.Random, birth: dt.date, male: bool) -> str:
    order = rng.randrange(0, 500) * 2 + (1 if male else 0)
    first17 = f"652123{birth:%Y%m%d}{order:03d}"
    return first17 + id_check_digit(first17)


def _insert(session: Session, entity: Any, rows: list[dict[str, Any]], rev: list[int],
            now: dt.datetime) -> list[str]:
    stamp = hlc.tick(None, int(now.replace(tzinfo=dt.timezone.utc).timestamp() * 1000), "server")
    fields = user_fields(entity)
    out = []
    for r in rows:
        rev[0] += 1
        r.update(created_at=now, updated_at=now, rev=rev[0], deleted=False,
                 field_clock={f: stamp for f in fields})
        for f in fields:
            r.setdefault(f, None)
        out.append(r["id"])
    for i in range(0, len(rows), 2000):
        session.execute(insert(entity.__table__), rows[i:i + 2000])
    return out


def build(url: str, *, people: int = 2000, houses: int = 600, visits: int = 5000,
          seed: int = 7) -> dict[str, Any]:
    """Migrate `url` and fill it; returns ids and account names."""
    from sync_server.db.engine import make_engine
    from sync_server.db.migrate import migrate
    from sync_server.db.tables import Counter
    from sync_server.services.changes import apply_change, current_rev
    from sync_server.services.passwords import hash_password
    from sync_server.services.users import create_user

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=30)
    migrate(url, now=now)
    engine = make_engine(url)
    rng = random.Random(seed)
    with Session(engine) as s, s.begin():
        def node(key, parent, level, nm):
            path = (parent.path if parent else "/") + f"n-{key}/"
            return apply_change(s, OrgNode, f"n-{key}", {
                "parent_id": parent.id if parent else None, "level": level, "name": nm,
                "path": path, "grid_id": f"n-{key}" if level == "grid" else None}, now=now)
        county = node("county", None, "county", "托克逊县")
        town = node("town", county, "township", "托克逊镇")
        village = node("v", town, "village", "团结社区")
        grid = node("ga", village, "grid", "团结社区第一网格")
        other = node("gb", village, "grid", "团结社区第二网格")
        pw = hash_password(PASSWORD)
        create_user(s, username="bench_worker", display_name="网格员", role="grid_worker",
                    scope_node_id=grid.id, now=now, password_hash=pw)
        create_user(s, username="bench_office", display_name="镇办", role="township_office",
                    scope_node_id=town.id, now=now, password_hash=pw)
        rev = [current_rev(s)]
        house_rows, person_rows, visit_rows = [], [], []
        for g, n_h, n_p, n_v in ((grid, houses, people, visits),
                                 (other, houses // 4, people // 4, visits // 4)):
            hs = [{"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "grid_id": g.id,
                   "door_plate": f"团结巷{i // 20 + 1}号院{i % 20 + 1}号",
                   "address": f"托克逊县托克逊镇团结社区团结巷{i // 20 + 1}号院{i % 20 + 1}号",
                   "house_type": rng.choice(["self_built", "apartment", "bungalow"]),
                   "use": rng.choice(["residence", "residence", "shop"]),
                   "area": round(rng.uniform(40, 160), 1)} for i in range(n_h)]
            house_rows += hs
            ps = []
            for i in range(n_p):
                male = rng.random() < 0.5
                birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 30000))
                h = rng.choice(hs)
                ps.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "grid_id": g.id,
                           "id_number": id_number(rng, birth, male), "name": name(rng),
                           "sex": "male" if male else "female", "birth_date": birth,
                           "ethnicity": rng.choice(["01", "05", "05", "05"]),
                           "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
                           "house_id": h["id"], "address": h["address"],
                           "resident_type": rng.choice(["registered", "registered", "permanent"]),
                           "status": "normal", "relation_to_head": rng.choice(["01", "02", "03"]),
                           "education": rng.choice(["20", "30", "40", None]),
                           "marital_status": rng.choice(["10", "20", None])})
            person_rows += ps
            for i in range(n_v):
                p = rng.choice(ps)
                at = now - dt.timedelta(minutes=rng.randrange(0, 525600))
                visit_rows.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "grid_id": g.id,
                                   "kind": "person", "person_id": p["id"],
                                   "house_id": p["house_id"], "visitor_id": "bench",
                                   "visited_at": at, "notes": rng.choice(NOTES),
                                   "follow_up": rng.random() < 0.1, "photos": []})
        _insert(s, House, house_rows, rev, now)
        people_ids = _insert(s, Person, person_rows, rev, now)
        _insert(s, Visit, visit_rows, rev, now)
        s.query(Counter).filter(Counter.name == "rev").update({"value": rev[0]})
    engine.dispose()
    return {"grid": "n-ga", "people": people_ids[:people], "password": PASSWORD}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, port: int, secret: str | None = None, *,
                 env: dict[str, str] | None = None) -> subprocess.Popen:
    """`python -m sync_server serve` on 127.0.0.1:port, waiting until it answers. `env`: more
    settings (environment variables)."""
    env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "development", **(env or {})}
    if secret:
        env["SECRET_KEY"] = secret
    proc = subprocess.Popen([sys.executable, "-m", "sync_server", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(os.environ.get("YZB_BENCH_SERVER_LOG", os.devnull), "w"))
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def start_shaper(target_port: int) -> tuple[subprocess.Popen, int, int]:
    """The rural 2G link: 64 kbit/s down, 32 kbit/s up, 300 ms round trip."""
    import json
    if not SHAPER.is_file():
        raise SystemExit(f"link shaper not found at {SHAPER.resolve()} (expected shared/tools/shaper.py "
                         "next to the repository); the 2G-link benchmarks need it")
    proc = subprocess.Popen([sys.executable, str(SHAPER), "--target-port",
                             str(target_port), "--latency-ms", "150", "--up-kbps", "32",
                             "--down-kbps", "64", "--control-port", "0"],
                            stdout=subprocess.PIPE, text=True)
    line = json.loads(proc.stdout.readline())
    return proc, line["port"], line["control_port"]
