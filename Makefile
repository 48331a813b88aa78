# Two commands matter: `make serve` and `make test`. Both start from nothing.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install serve seed-milvus test index eval bench browser clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build on local disk (an open range would pull a multi-GB CUDA build)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

index/manifest.json: | $(STAMP)
	$(VENV)/bin/rag index seeds

index: $(STAMP)
	$(VENV)/bin/rag index seeds

# RAG_BACKEND=milvus: the seeds go into Milvus (already indexed pages are skipped), not into index/.
serve: $(STAMP) $(if $(filter milvus,$(RAG_BACKEND)),seed-milvus,index/manifest.json)
	$(PY) -m api

seed-milvus: | $(STAMP)
	$(VENV)/bin/rag index seeds

# Debian's Chromium and a CJK font for the widget's browser test (root on CI and developer machines here).
browser:
	@command -v chromium >/dev/null 2>&1 && fc-list :lang=zh | grep -q . || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver fonts-wqy-zenhei >/dev/null; }

test: $(STAMP) browser
	$(PY) -m pytest -q

eval: $(STAMP)
	$(VENV)/bin/rag eval eval/seeds

bench: $(STAMP) index/manifest.json
	$(PY) eval/bench_latency.py
	$(PY) eval/bench_scale.py
	$(PY) eval/bench_http.py
	$(PY) eval/bench_backends.py

clean:
	rm -rf $(VENV) index/builds index/current index/segments index/store.sqlite3* index/manifest.json index/models
