"""Atomic outputs and safe JSON inputs shared by exports, reports, profiles and rules configs."""

from __future__ import annotations

import pytest

from analyzer.fileio import JsonFileError, atomic_output, read_json_object


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.html"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as fh:
            fh.write("half")
            raise RuntimeError("disk full")
    assert target.read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]
    with atomic_output(target, "wb") as fh:
        fh.write(b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 != 0o600


@pytest.mark.parametrize(
    "content, message",
    [(b"\xff\xfe", "not UTF-8"), (b"{broken", "not JSON"), (b"[1]", "must be a JSON object"), (b"[" * 100_000, "not JSON")],
)
def test_json_inputs_fail_in_one_line(tmp_path, content, message):
    path = tmp_path / "in.json"
    path.write_bytes(content)
    with pytest.raises(JsonFileError, match=message):
        read_json_object(path, what="profile", max_bytes=1_000_000)


def test_json_inputs_are_size_capped(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"imei": "356938035643809"}')
    with pytest.raises(JsonFileError, match="larger than 10 bytes"):
        read_json_object(path, what="profile", max_bytes=10)
    assert read_json_object(path, what="profile", max_bytes=100) == {"imei": "356938035643809"}
