"""Typed server settings read from the environment, built once and passed into create_app."""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///data/yizhangbiao.db"


def _dev_secret() -> str:
    # A fresh random secret per process: tokens do not survive a dev restart, which is fine;
    # production must set SECRET_KEY (checked below).
    return "dev-" + secrets.token_urlsafe(32)


class Settings(BaseSettings):
    """What the server needs to know about its surroundings. `DATABASE_URL` selects the database
    for every server command (serve, migrate, demo)."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = Field(default_factory=_dev_secret)
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    sql_echo: bool = False
    # Where photo attachments are stored (content-addressed files; see services/attachments.py).
    attachments_dir: Path = Path("data/attachments")
    # SMS (services/sms.py): "log" appends every message to `sms_log` (the default, and what
    # tests read); "http" posts to a three-network SMS provider's HTTP API at `sms_http_url`.
    sms_gateway: Literal["log", "http"] = "log"
    sms_log: Path | None = None
    sms_http_url: str | None = None
    sms_http_key: str | None = None
    sms_signature: str = "【托克逊县一张表】"
    # Published desktop client builds (services/releases.py); beside the attachments by default.
    releases_dir: Path | None = None
    max_release_bytes: int = 512 * 1024 * 1024
    max_body_bytes: int = 16 * 1024 * 1024
    # A relayed USB bundle carries photos (desktop PHOTO_BUDGET 100 MB + records); held in memory.
    max_bundle_bytes: int = 128 * 1024 * 1024
    # Housekeeping while serving (uploads abandoned for 14 days are deleted): every this many
    # seconds, and once at start-up. 0 turns it off (tests that count staging files).
    housekeeping_seconds: int = 3600
    # Sync under a burst (docs/SYNC.md, Admission): with more exchanges than this waiting or
    # running, a new one is answered at once 429 server_busy, Retry-After this many seconds.
    sync_max_queued: int = Field(default=64, ge=1)
    sync_retry_after: int = Field(default=3, ge=1)
    # PostgreSQL: connections (pool + overflow) and exchanges run at once; every exchange
    # updates the one rev counter, so more at once only adds lock waits on a small machine.
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    sync_db_slots: int = Field(default=4, ge=1)
    # How long an idle kept-alive connection stays open (uvicorn's default is 5 s): a 2G link
    # takes longer than that between the parts of one sync, and every reconnect costs a TCP
    # (and TLS) handshake of several round trips, so a device keeps one connection for a
    # whole sync and for the next one a few minutes later.
    keep_alive_seconds: int = Field(default=300, ge=1)
    # Web console sessions: signed out after this many idle minutes, and after this many hours
    # whatever happens.
    web_idle_minutes: int = Field(default=30, ge=1)
    web_session_hours: int = Field(default=12, ge=1)
    # Tests only: every captcha's answer is this text (refused outside ENVIRONMENT=test).
    captcha_fixed_answer: str | None = None
    # Console exports of more rows than this run in the background with a progress bar; their
    # files go to exports_dir (default: an "exports" folder beside attachments_dir).
    web_export_inline_rows: int = Field(default=5000, ge=0)
    # 态势一张图: an intranet tile server's URL template ({z}/{x}/{y}, optional {s}), e.g.
    # http://10.0.0.5/tiles/{z}/{x}/{y}.png. Empty: boundaries and points on a plain background.
    map_tile_url: str = ""
    exports_dir: Path | None = None
    # 接诉即办 briefings (services/briefings.py): the console's address as recipients reach it
    # (the link in the SMS notice), and the usernames (comma-separated) that get the notice of
    # their own county's or township's briefing when housekeeping makes it.
    console_url: str = "http://127.0.0.1:8000"
    briefing_recipients: str = ""

    @model_validator(mode="after")
    def _default_releases_dir(self) -> "Settings":
        if self.releases_dir is None:
            self.releases_dir = self.attachments_dir.parent / "releases"
        if self.sms_log is None:
            self.sms_log = self.attachments_dir.parent / "sms.log"
        if self.sms_gateway == "http" and not self.sms_http_url:
            raise ValueError("SMS_GATEWAY=http 需要同时设置 SMS_HTTP_URL（短信平台接口地址）")
        return self

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and (
                self.secret_key.startswith("dev-") or len(self.secret_key) < 32):
            raise ValueError("生产环境必须设置 SECRET_KEY（至少 32 个字符的随机串）"
                             " / SECRET_KEY must be set to a random value of 32+ characters"
                             " when ENVIRONMENT=production")
        if self.captcha_fixed_answer and self.environment != "test":
            raise ValueError("CAPTCHA_FIXED_ANSWER 只能在测试环境使用"
                             " / CAPTCHA_FIXED_ANSWER is for ENVIRONMENT=test only")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_data_folder(self) -> None:
        """Create the folder of a SQLite file URL (the default lives in data/)."""
        if not self.is_sqlite:
            return
        path = self.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides (tests, CLI options)."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.ensure_data_folder()
    return settings
