"""Evidence bundles: one zip with the report, the traffic, the events, the consent
screens (UI dumps and screenshots, ``ui/``) and a manifest.

``manifest.json`` lists the SHA-256 and size of every other file, the tool version and
the creation time, and ``manifest_sha256``: the hash of the manifest itself (canonical
JSON without that field). ``verify_bundle`` recomputes everything and names each
missing, extra or changed file. The manifest hash only proves the bundle is unchanged
if it is also kept outside the bundle (a lab notebook, a ticket, a signature):
``consentry verify --expect-hash`` checks against that copy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer import __version__
from analyzer.fileio import atomic_output
from analyzer.exporters import ExportFailed
from analyzer.exporters.events import write_events_stream
from analyzer.exporters.har import write_har_stream
from analyzer.exporters.mitm import write_mitm_stream

MANIFEST = "manifest.json"
BUNDLE_SCHEMA = "consentry.bundle/1"
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024


def canonical_hash(manifest: dict[str, Any]) -> str:
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def _tool_info() -> dict[str, Any]:
    try:
        from mitmproxy.version import VERSION as mitmproxy_version
    except ImportError:  # pragma: no cover - mitmproxy is a dependency
        mitmproxy_version = None
    return {"name": "consentry", "version": __version__, "mitmproxy": mitmproxy_version,
            "python": platform.python_version()}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def session_document(store, session) -> dict[str, Any]:
    app = {"package": session.app.package, "version": session.app.version,
           "first_party_domains": session.app.first_party_domains} if session.app else {}
    device = ({"kind": session.device.kind, "serial": session.device.serial, "name": session.device.name,
               **(session.device.info or {})} if session.device else {})
    return {
        "id": str(session.id), "name": session.name, "status": session.status,
        "status_detail": session.status_detail, "consent_choice": session.consent_choice,
        "app": app, "device": device, "created_at": _iso(session.created_at),
        "started_at": _iso(session.started_at), "ended_at": _iso(session.ended_at),
        "clock_offset_ms": session.clock_offset_ms, "clock_uncertainty_ms": session.clock_uncertainty_ms,
        "meta": session.meta or {}, "counts": store.counts(session.id), "tool": _tool_info(),
    }


def _report_files(store, session_name: str, directory: Path) -> list[str]:
    """report.json and report.html, when the report builder is part of this install."""
    try:
        from analyzer.report.build import build_report
        from analyzer.report.html import render_html
    except ImportError:
        return []
    report = build_report(store, session_name)
    (directory / "report.json").write_text(
        json.dumps(report.model_dump(mode="json", by_alias=True), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (directory / "report.html").write_text(render_html([report], lang="en"), encoding="utf-8")
    return ["report.json", "report.html"]


def _ui_evidence_files(store, session_id, directory: Path) -> list[str]:
    """The consent driver's dumps and screenshots (``ui/``), each once, with an index of every step."""
    from analyzer.store.ui_evidence import ui_blob, ui_evidence

    rows = ui_evidence(store, session_id)
    if not rows:
        return []
    (directory / "ui").mkdir()
    names, index = [], []
    for row in rows:
        path = f"ui/{row.sha256}.{'png' if row.kind == 'screenshot' else 'xml'}"
        if path not in names:
            (directory / path).write_bytes(ui_blob(store, row.sha256))
            names.append(path)
        index.append({"seq": row.seq, "step": row.step, "phase": row.phase, "kind": row.kind, "purpose": row.purpose,
                      "device_ts_ms": row.device_ts_ms, "sha256": row.sha256, "path": path, "node": row.node})
    (directory / "ui" / "evidence.json").write_text(json.dumps(index, ensure_ascii=False, indent=2), encoding="utf-8")
    return ["ui/evidence.json", *names]


def _file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def write_bundle(store, session_name: str, output: str | Path, *, include_report: bool = True) -> dict[str, Any]:
    """Write the evidence bundle; returns its manifest."""
    session = store.get_session(session_name)
    output = Path(output)
    if not output.parent.is_dir():
        raise ExportFailed(f"directory {output.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="consentry-bundle-") as tmp:
        work = Path(tmp)
        with open(work / "flows.har", "w", encoding="utf-8", errors="replace") as fh:
            write_har_stream(store.iter_flows(session.id), fh, comment=f"session {session_name}")
        with open(work / "flows.mitm", "wb") as fh:
            write_mitm_stream(store.iter_flows(session.id), fh)
        with open(work / "events.jsonl", "w", encoding="utf-8", errors="replace") as fh:
            write_events_stream(store, session.id, fh)
        identifiers = [{"kind": i.kind, "value": i.value, "source": i.source, "first_seen": _iso(i.first_seen)}
                       for i in store.identifiers(session.id)]
        (work / "identifiers.json").write_text(json.dumps(identifiers, ensure_ascii=False, indent=2), encoding="utf-8")
        (work / "session.json").write_text(
            json.dumps(session_document(store, session), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
        )
        names = ["session.json", "identifiers.json", "events.jsonl", "flows.har", "flows.mitm"]
        names += _ui_evidence_files(store, session.id, work)
        if include_report:
            names = _report_files(store, session_name, work) + names
        manifest: dict[str, Any] = {
            "schema": BUNDLE_SCHEMA,
            "tool": _tool_info(),
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "session": {"id": str(session.id), "name": session.name},
            "files": {name: _file_entry(work / name) for name in sorted(names)},
        }
        manifest["manifest_sha256"] = canonical_hash(manifest)
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        with atomic_output(output, "wb") as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in [MANIFEST] + sorted(names):
                zf.write(work / name, name)
    return manifest


@dataclass
class VerifyResult:
    path: str
    ok: bool = False
    manifest_sha256: str | None = None
    checked: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _hash_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> tuple[str, int] | None:
    """(sha256, size) of a member, reading at most limit+1 bytes; None if unreadable."""
    digest = hashlib.sha256()
    size = 0
    try:
        with zf.open(info) as fh:
            while size <= limit:
                chunk = fh.read(min(_CHUNK, limit + 1 - size))
                if not chunk:
                    break
                digest.update(chunk)
                size += len(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        return None
    return digest.hexdigest(), size


def _load_manifest(zf: zipfile.ZipFile, result: VerifyResult) -> dict[str, Any] | None:
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        result.missing.append(MANIFEST)
        return None
    try:
        with zf.open(info) as fh:
            raw = fh.read(MAX_MANIFEST_BYTES + 1)
        if len(raw) > MAX_MANIFEST_BYTES:
            raise ValueError("too large")
        manifest = json.loads(raw.decode("utf-8"))
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("no files table")
    except (RuntimeError, NotImplementedError) as exc:  # zipfile: encrypted, or a compression it lacks
        result.changed.append(MANIFEST)
        result.problems.append(f"manifest.json cannot be read: {str(exc).splitlines()[0] if str(exc) else 'unsupported'}")
        return None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, UnicodeDecodeError, RecursionError):
        result.changed.append(MANIFEST)
        result.problems.append("manifest.json is unreadable or not a consentry manifest")
        return None
    return manifest


def verify_bundle(path: str | Path, *, expect_hash: str | None = None) -> VerifyResult:
    """Check every file of a bundle against its manifest (and the manifest against its hash)."""
    path = Path(path)
    result = VerifyResult(path=str(path))
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        result.problems.append(f"not a readable zip file: {getattr(exc, 'strerror', None) or exc}")
        return result
    with zf:
        infos = zf.infolist()
        seen: dict[str, int] = {}
        for info in infos:
            seen[info.filename] = seen.get(info.filename, 0) + 1
        for name, times in seen.items():
            if times > 1:
                result.problems.append(f"{name} appears {times} times in the zip")
                result.changed.append(name)
        manifest = _load_manifest(zf, result)
        if manifest is not None:
            _check_manifest(zf, manifest, seen, result, expect_hash)
    result.ok = not (result.missing or result.extra or result.changed or result.problems)
    return result


def _check_manifest(zf: zipfile.ZipFile, manifest: dict[str, Any], seen: dict[str, int], result: VerifyResult,
                    expect_hash: str | None) -> None:
    result.manifest_sha256 = manifest.get("manifest_sha256")
    if canonical_hash(manifest) != result.manifest_sha256:
        result.changed.append(MANIFEST)
        result.problems.append("manifest.json does not match its own manifest_sha256")
    if expect_hash and expect_hash.lower() != str(result.manifest_sha256).lower():
        result.problems.append(f"manifest hash {result.manifest_sha256} is not the expected {expect_hash}")
    files: dict[str, Any] = manifest["files"]
    for name in sorted(files):
        expected = files[name] if isinstance(files[name], dict) else {}
        if name not in seen:
            result.missing.append(name)
            continue
        limit = int(expected.get("size", 0)) if str(expected.get("size", "")).isdigit() else 0
        got = _hash_member(zf, zf.getinfo(name), limit)
        if got is None or got != (expected.get("sha256"), limit):
            if name not in result.changed:
                result.changed.append(name)
        else:
            result.checked.append(name)
    result.extra = sorted(n for n in seen if n not in files and n != MANIFEST)
