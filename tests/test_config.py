"""Settings (#16): every CAUCE_* variable typed in one class, documented in the README, validated
with a message naming the variable; the roles a process runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import cauce
from cauce.config import Settings, SettingsError, get_settings
from cauce.vocabulary import JobRole

SRC = Path(cauce.__file__).parent
README = SRC.parents[1] / "README.md"
NOT_SETTINGS = ("CAUCE_TEST_", "CAUCE_FUZZ_")  # test-only switches


def _variables() -> set[str]:
    return {f"CAUCE_{name.upper()}" for name in Settings.model_fields}


def test_every_variable_is_in_the_readme_table_and_every_row_is_a_variable() -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Configuration"):text.index("**Behind a reverse proxy.**")]
    documented = set(re.findall(r"^\| `(CAUCE_[A-Z_]+)`(?: / `(CAUCE_[A-Z_]+)`)?", table, re.M))
    names = {n for pair in documented for n in pair if n}
    assert names == _variables()


def test_every_cauce_variable_named_in_the_code_is_a_setting() -> None:
    named: set[str] = set()
    for path in SRC.rglob("*.py"):
        named |= set(re.findall(r"\bCAUCE_[A-Z][A-Z_]*[A-Z]\b", path.read_text(encoding="utf-8")))
    stray = {n for n in named if not n.startswith(NOT_SETTINGS)} - _variables() - {"CAUCE_SMTP_"}
    assert not stray


def test_only_the_settings_read_the_environment() -> None:
    readers = [path.relative_to(SRC).as_posix() for path in SRC.rglob("*.py")
               if re.search(r"os\.environ|os\.getenv", path.read_text(encoding="utf-8"))]
    assert readers == ["config.py"]


def test_defaults_need_no_set_up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CAUCE_DATABASE_URL", raising=False)
    monkeypatch.setenv("CAUCE_DATA_DIR", str(tmp_path))
    settings = get_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'cauce.db'}" and settings.data_dir == tmp_path
    assert settings.sla_check_seconds == 30 and settings.smtp_port == 25 and settings.broker_url == ""
    monkeypatch.setenv("CAUCE_SLA_CHECK_SECONDS", "5")  # read again when the environment changes
    assert get_settings().sla_check_seconds == 5


@pytest.mark.parametrize(("name", "value", "says"), [
    ("CAUCE_SMTP_PORT", "veinticinco", "valid integer"),
    ("CAUCE_SLA_CHECK_SECONDS", "-1", "greater than 0"),
    ("CAUCE_JOBS", "poll,bogus", "unknown job role(s) bogus"),
    ("CAUCE_SMTP_STARTTLS", "quizás", "valid boolean"),
    ("CAUCE_CRISIS_WEBHOOK_URL", "ftp://x", "http://"),
])
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        get_settings()
    assert f"{name}={value!r}" in str(caught.value) and says in str(caught.value)


def test_a_bad_secret_is_named_but_not_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAUCE_API_TOKEN_DAYS", "0")
    assert "CAUCE_API_TOKEN_DAYS='0'" in _error()
    monkeypatch.delenv("CAUCE_API_TOKEN_DAYS")
    monkeypatch.setenv("CAUCE_SECRET_KEY", "s3cr3t-value")
    settings = get_settings()
    assert "s3cr3t-value" not in repr(settings) and settings.secret_key == "s3cr3t-value"


def _error() -> str:
    try:
        get_settings()
    except SettingsError as exc:
        return str(exc)
    raise AssertionError("no error")


def test_roles(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAUCE_JOBS", "CAUCE_BROKER_URL", "CAUCE_BACKGROUND"):
        monkeypatch.delenv(name, raising=False)
    assert get_settings().job_roles() == frozenset(JobRole) == get_settings().job_roles(web=True)
    monkeypatch.setenv("CAUCE_BROKER_URL", "amqp://guest@rabbit/")
    assert get_settings().job_roles(web=True) == frozenset()  # a web node of a cluster only serves
    assert get_settings().job_roles() == frozenset(JobRole)  # its workers work
    monkeypatch.setenv("CAUCE_JOBS", " poll , outbox ")
    assert get_settings().job_roles(web=True) == {JobRole.poll, JobRole.outbox}
    monkeypatch.setenv("CAUCE_JOBS", "none")
    assert get_settings().job_roles() == frozenset()


def test_the_deprecated_background_switch_still_turns_jobs_off(monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.delenv("CAUCE_JOBS", raising=False)
    monkeypatch.setenv("CAUCE_BACKGROUND", "0")
    assert get_settings().job_roles() == frozenset()
    assert "CAUCE_BACKGROUND is deprecated" in caplog.text
    monkeypatch.setenv("CAUCE_JOBS", "sweep")  # the new variable wins
    assert get_settings().job_roles() == {JobRole.sweep}
