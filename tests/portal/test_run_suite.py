"""tests/run_suite.py: the second run on PostgreSQL is skipped locally but required in CI."""

from tests import run_suite


def runs(monkeypatch, *, postgres: bool):
    started = []
    monkeypatch.setattr(run_suite, "postgres_answers", lambda *a, **k: postgres)
    monkeypatch.setattr(run_suite, "run", lambda label, env: started.append(label) or 0)
    return started


def test_it_fails_under_ci_when_postgresql_does_not_answer(monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")
    started = runs(monkeypatch, postgres=False)

    assert run_suite.main() != 0
    assert started == ["SQLite"]
    assert "fails the build" in capsys.readouterr().err


def test_it_skips_postgresql_outside_ci_with_a_note(monkeypatch, capsys):
    monkeypatch.delenv("CI", raising=False)
    runs(monkeypatch, postgres=False)

    assert run_suite.main() == 0
    assert "its run is skipped" in capsys.readouterr().out


def test_it_runs_both_databases_when_postgresql_answers(monkeypatch):
    monkeypatch.setenv("CI", "true")
    started = runs(monkeypatch, postgres=True)

    assert run_suite.main() == 0
    assert started == ["SQLite", "PostgreSQL"]
