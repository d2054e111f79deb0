"""AuditLog: one ASCII JSON object per line, appended; a record it cannot write raises `AuditUnavailable`
(fail closed: the guarded flow refuses to act when the record of an attempt cannot be kept)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from pathlib import Path

import pytest

from ledgerbee_mcp.guardrails.audit import AuditLog, AuditRecord, AuditUnavailable


def read(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_records_are_appended_as_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.write_text('{"earlier": "line"}\n', encoding="utf-8")
    log = AuditLog(path)
    assert log.path == path
    log.record(AuditRecord(action="send", document_type="quote", document_id="q1", outcome="confirmation_required"))
    log.record(
        AuditRecord(
            action="send",
            document_type="quote",
            document_id="q1",
            outcome="done",
            consent="token",
            delivery_type="Email",
            recipient="hej@bolgedesign.dk",
            document_number="1001",
        )
    )
    records = read(path)
    assert records[0] == {"earlier": "line"}  # appended, never truncated
    assert [r["outcome"] for r in records[1:]] == ["confirmation_required", "done"]
    assert records[2]["consent"] == "token"
    assert records[2]["recipient"] == "hej@bolgedesign.dk"
    assert records[2]["document_number"] == "1001"
    for r in records[1:]:
        assert r["action"] == "send"
        assert r["document_id"] == "q1"
        stamp = dt.datetime.fromisoformat(str(r["at"]))
        assert stamp.tzinfo is not None


def test_none_fields_are_omitted(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).record(
        AuditRecord(action="convert", document_type="quote", document_id="q1", outcome="declined", reason="no")
    )
    (record,) = read(path)
    assert set(record) == {"action", "document_type", "document_id", "outcome", "reason", "at"}
    assert None not in record.values()


@pytest.mark.parametrize(
    "reason",
    [
        'line one\nline two "quoted" and Bølge',
        "Fjord\u2028Foods\u2029A/S\u0085next\r\nrow\x1b[2J \u202eevil\u202c \u200b",
        "Ærø Ölü 日本 \U0001f600",
    ],
    ids=["newline-quote-non-ascii", "separators-and-controls", "astral"],
)
def test_one_line_per_record_even_with_newlines_and_non_ascii(tmp_path: Path, reason: str) -> None:
    path = tmp_path / "audit.jsonl"
    AuditLog(path).record(
        AuditRecord(action="send", document_type="quote", document_id="q1", outcome="refused", reason=reason)
    )
    raw = path.read_bytes()
    assert raw.isascii()  # non-ASCII is \u-escaped, so no reader's idea of a line break can split a record
    text = raw.decode("ascii")
    assert text.endswith("\n")
    assert len(text.splitlines()) == 1  # splitlines knows U+2028, U+2029, U+0085...: none is left raw
    assert read(path)[0]["reason"] == reason


def test_parent_directories_are_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "audit.jsonl"
    AuditLog(path).record(AuditRecord(action="send", document_type="quote", document_id="q1", outcome="done"))
    assert len(read(path)) == 1


def test_without_a_path_nothing_is_written(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    log = AuditLog(None)
    assert log.path is None
    with caplog.at_level(logging.DEBUG, logger="ledgerbee_mcp.audit"):
        log.record(AuditRecord(action="send", document_type="quote", document_id="q1", outcome="done"))
    assert list(tmp_path.iterdir()) == []
    assert any('"document_id": "q1"' in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("kind", ["directory", "under-a-file"])
def test_unwritable_path_raises_audit_unavailable(tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str) -> None:
    if kind == "directory":
        path = tmp_path / "is-a-dir"
        path.mkdir()
    else:
        blocker = tmp_path / "a-file"
        blocker.write_text("x")
        path = blocker / "audit.jsonl"
    log = AuditLog(path)
    with caplog.at_level(logging.ERROR, logger="ledgerbee_mcp.audit"), pytest.raises(AuditUnavailable) as raised:
        log.record(AuditRecord(action="send", document_type="quote", document_id="q1", outcome="done"))
    # the reason names the file, so the refusal that carries it tells the operator what to fix
    assert str(path) in str(raised.value)
    assert "cannot be written" in str(raised.value)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert str(path) in errors[0].getMessage()
    if kind == "directory":
        assert list(path.iterdir()) == []


def test_an_unwritable_log_that_becomes_writable_again_records_again(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    path.mkdir()
    log = AuditLog(path)
    record = AuditRecord(action="send", document_type="quote", document_id="q1", outcome="attempt")
    with pytest.raises(AuditUnavailable):
        log.record(record)
    path.rmdir()
    log.record(record)
    assert [r["outcome"] for r in read(path)] == ["attempt"]


def test_concurrent_writers_do_not_interleave(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)

    def write(n: int) -> None:
        for i in range(50):
            log.record(
                AuditRecord(
                    action="send", document_type="quote", document_id=f"q{n}-{i}", outcome="done", reason="x" * 2000
                )
            )

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = read(path)
    assert len(records) == 400
    assert len({r["document_id"] for r in records}) == 400
