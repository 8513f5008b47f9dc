# Two commands on a fresh machine: `make demo` and `make test` (see README.md).
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
DB      ?= warehouse/svmt.duckdb
DEMO    ?= data/demo
SEED    ?= 1
AS_OF   ?= 2023-06-30

.PHONY: demo test test-fast install data refresh app lint docs guide-images clean bench bench-app bench-allocation

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

data: install
	$(BIN)/python -m warehouse demo-data --out $(DEMO) --scale province --seed $(SEED)

refresh: install
	$(BIN)/python -m warehouse refresh --source $(DEMO) --db $(DB) --as-of $(AS_OF)

app: install
	@echo "Chế độ trình diễn / demo mode (SVMT_DEMO=1; only while config/users.yaml does not exist):"
	@echo "  lanhdao / lanhdao-demo (lãnh đạo), phantich / phantich-demo (phân tích), canbo / canbo-demo (cán bộ dữ liệu)"
	@echo "  — http://localhost:8501 . Province users: python -m warehouse users add NAME --role ROLE (see SECURITY.md)"
	SVMT_DEMO=1 SVMT_DB=$(DB) $(BIN)/streamlit run app/main.py --server.headless true --server.port 8501 --browser.gatherUsageStats false

demo: data refresh app

lint: install
	$(BIN)/ruff check .

docs: install
	$(BIN)/python -m ingest.contract > docs/input-format.md

# Two workers (the host has 2 cores; tests wait on browsers, servers and child processes), whole files per worker.
PARALLEL ?= -n 2 --dist loadfile --no-loadscope-reorder
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q $(PARALLEL)

# Quick feedback for a developer: lint and every test not marked slow (CI runs `make test`, everything).
test-fast: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -m "not slow" $(PARALLEL)

# The user guide's pictures (docs/huong-dan-su-dung.md): the browser test's screenshots of the demo province.
GUIDE_SHOTS := lanh_dao:tong-quan lanh_dao:dia-ban lanh_dao:phu-song lanh_dao:bao-cao-thang \
	phan_tich:chat-luong-du-lieu can_bo_du_lieu:tai-len can_bo_du_lieu:ra-soat
guide-images: install
	$(BIN)/python -m pytest -q tests/test_guide_browser_demo.py
	mkdir -p docs/images
	for shot in $(GUIDE_SHOTS); do \
	  cp tests/artifacts/guide/demo-$${shot%%:*}-$${shot##*:}.jpg docs/images/$${shot##*:}.jpg; done

clean:
	rm -rf $(VENV) data dbt_project/target dbt_project/logs $(DB)

bench: install
	$(BIN)/python -m bench.refresh_scale --fraction $(or $(FRACTION),1) && $(BIN)/python -m bench.read_speed --copies $(or $(COPIES),1)

bench-app: install
	$(BIN)/python -m bench.app_speed --db $(DB)

bench-allocation: install
	$(BIN)/python -m bench.allocation_cost --db $(DB)
