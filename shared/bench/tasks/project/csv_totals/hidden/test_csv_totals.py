"""Hidden tests of csv_totals: region_totals() and the totals.csv that report.py writes."""

import subprocess
import sys
from pathlib import Path

import pytest

WORKSPACE = Path(__file__).resolve().parents[1]
EXPECTED_CSV = "region,total\nnorth,55.00\nsouth,20.00\neast,13.75\nwest,0.00\n"


def test_region_totals_on_sales_csv():
    from report import region_totals

    totals = region_totals(str(WORKSPACE / "sales.csv"))
    assert totals == pytest.approx({"north": 55.0, "south": 20.0, "east": 13.75, "west": 0.0})


def test_region_totals_on_other_files(tmp_path):
    from report import region_totals

    one = tmp_path / "one.csv"
    one.write_text("region,product,units,unit_price\nx,a,3,0.10\nx,b,1,0.05\n")
    assert region_totals(str(one)) == pytest.approx({"x": 0.35})
    empty = tmp_path / "empty.csv"
    empty.write_text("region,product,units,unit_price\n")
    assert region_totals(str(empty)) == {}


def test_script_writes_totals_csv():
    (WORKSPACE / "totals.csv").unlink(missing_ok=True)
    run = subprocess.run([sys.executable, "report.py"], cwd=WORKSPACE, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr[-1000:]
    written = (WORKSPACE / "totals.csv").read_text(encoding="utf-8")
    assert written.replace("\r\n", "\n").strip() == EXPECTED_CSV.strip()
