"""`make bench`'s arithmetic: medians over rounds, and each share taken of its own bare run."""

from bench import run
from bench.run import Measured, Result


def test_a_row_reports_medians_and_the_median_of_its_pairs_shares():
    pairs = [
        (Result(900, 4.0, 20.0), Result(1000, 2.0, 5.0)),  # 90 %
        (Result(400, 9.0, 90.0), Result(500, 3.0, 9.0)),  # 80 %: a loaded moment, both slow
        (Result(950, 3.0, 10.0), Result(1000, 2.0, 6.0)),  # 95 %
    ]

    measured = Measured(pairs)

    assert (measured.result.rate, measured.result.p50, measured.result.p99) == (900, 4.0, 20.0)
    assert measured.bare.rate == 1000
    assert measured.share == 0.9


def test_the_table_marks_each_target(monkeypatch):
    cached = run.Row("page, cached", "/page/", share=0.85)
    slow = run.Row("search", None, p99_ms=100)
    monkeypatch.setattr(run, "ROWS", [run.BARE, cached, slow])
    bare = Result(1000, 2.0, 5.0)
    passes = {
        "gunicorn": {
            run.BARE: Measured([(bare, bare)]),
            cached: Measured([(Result(800, 3.0, 9.0), bare)]),
            slow: Measured([(Result(100, 30.0, 99.0), bare)]),
        }
    }

    lines = run.table(passes).splitlines()

    assert lines[3] == "| page, cached | ≥ 85% of bare | 800 | 3.0 | 9.0 | 80.0 % ✗ |"
    assert lines[4] == "| search | p99 ≤ 100 ms | 100 | 30.0 | 99.0 | 10.0 % ✓ |"
