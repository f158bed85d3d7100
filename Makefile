# 一张表 — the two set-up commands are `make run` and `make test`; everything else is a helper.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: QR fallback decoder, Qt multimedia and xcb (libxcb-cursor0: Qt 6.5+'s xcb
# plugin will not load without it), a CJK font, PostgreSQL, and Xvfb with x11-utils (xwininfo)
# for the test of the client in a real X window, Chromium for the web console's browser tests.
SYSPKGS := libzbar0 libpulse0 libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0 \
           libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-wqy-microhei postgresql xvfb \
           x11-utils chromium
PG_BIN := $(shell ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

.PHONY: run test soak sysdeps venv demo server client screenshots bench lint clean

sysdeps:
	@missing=$$(for p in $(SYSPKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "安装系统依赖 / installing system packages: $$missing"; \
	  $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y \
	    -o Dpkg::Progress-Fancy=0 $$missing; \
	fi

# pip shows what it downloads and installs: on a slow link this takes minutes.
$(STAMP): pyproject.toml
	@[ -x $(VPY) ] || { echo "创建虚拟环境 / creating $(VENV)"; $(PY) -m venv $(VENV); }
	@echo "安装 Python 依赖（网络慢时需要几分钟）/ installing Python packages"
	$(VPY) -m pip install --upgrade pip
	$(VPY) -m pip install -e '.[dev]'
	@touch $(STAMP)

venv: sysdeps $(STAMP)

demo: venv
	@mkdir -p data
	@[ -f data/.demo-built ] || { $(VPY) -m sync_server.demo --if-empty --scale $${DEMO_SCALE:-1} && touch data/.demo-built; }

run: venv demo
	$(VPY) packaging/run.py

# Both steps always run and both are reported; the target fails if either failed.
test: venv
	@rc=0; \
	PG_BIN=$(PG_BIN) QT_QPA_PLATFORM=offscreen $(VPY) -m pytest -n 2 --dist loadgroup -q -m "not slow" --durations=15 || rc=1; \
	$(VENV)/bin/lint-imports || rc=1; \
	exit $$rc

PROPERTY_TESTS = tests/integration/test_sync_properties.py tests/integration/test_sync_properties_http.py

# The sync properties with thousands of examples (SOAK=1 raises every bound), then the other
# long runs (marked slow).
soak: venv
	PG_BIN=$(PG_BIN) QT_QPA_PLATFORM=offscreen SOAK=1 $(VPY) -m pytest -q -n 2 -m "" $(PROPERTY_TESTS)
	PG_BIN=$(PG_BIN) QT_QPA_PLATFORM=offscreen SOAK=1 $(VPY) -m pytest -q -m slow \
		$(foreach t,$(PROPERTY_TESTS),--ignore=$(t))

screenshots: venv
	QT_QPA_PLATFORM=offscreen $(VPY) -m tests.screenshots
	$(VPY) -m tests.web_screenshots

# Every benchmark in turn (hours at full size); `make bench QUICK=1`: small sizes (minutes).
bench: venv
	PG_BIN=$(PG_BIN) $(VPY) -m benchmarks $(if $(QUICK),--quick)

clean:
	rm -rf $(VENV) data .pytest_cache
