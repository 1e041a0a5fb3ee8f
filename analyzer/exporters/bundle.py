"""Evidence bundles: one zip with the report, the traffic, the events, the consent
screens (UI dumps and screenshots, ``ui/``) and a manifest.

``manifest.json`` lists the SHA-256 and size of every other file, the tool version and
the creation time, and ``manifest_sha256``: the hash of the manifest itself (canonical
JSON without that field). ``verify_bundle`` recomputes everything and names each
missing, extra or changed file. The manifest hash only proves the bundle is unchanged
if it is also kept outside the bundle (a lab notebook, a ticket, a signature):
``consentry verify --expect-hash`` checks against that copy.

Sealed bundles carry that proof inside: ``manifest.sig``, the lab key's Ed25519
signature over the exact ``manifest.json`` bytes (analyzer/exporters/signing.py), and
``manifest.tsr``, an RFC 3161 token of a Time-Stamp Authority over their SHA-256
(analyzer/exporters/timestamp.py). ``verify`` names what failed: a changed file, a
signature by the wrong key or over another manifest, a token for another document or
with a bad TSA signature. ``--redact`` bundles hold only the masked reports.
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
    from mitmproxy.version import VERSION as mitmproxy_version

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


def _report_files(store, session_name: str, directory: Path, *, lang: str = "en", redact: bool = False) -> list[str]:
    """report.json and report.html (in lang, masked with redact)."""
    from analyzer.report import redact_parts
    from analyzer.report.build import stream_report
    from analyzer.report.html import write_html
    from analyzer.report.jsonout import write_json

    report = stream_report(store, session_name)
    if redact:
        report = redact_parts(report)
    # Written as rendered: the findings are read from the store a page at a time.
    with open(directory / "report.json", "w", encoding="utf-8", errors="replace") as fh:
        write_json(report, fh, end="")
    with open(directory / "report.html", "w", encoding="utf-8", errors="replace") as fh:
        write_html([report], fh, lang=lang)
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


# Raw evidence files: left out of a --redact bundle (they hold the personal data itself).
RAW_FILES = ("session.json", "identifiers.json", "events.jsonl", "flows.har", "flows.mitm")


def _raw_files(store, session, session_name: str, work: Path) -> list[str]:
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
    return list(RAW_FILES)


def _seal(work: Path, manifest_bytes: bytes, key, tsa_url: str | None) -> list[str]:
    """manifest.sig (the lab key's signature) and manifest.tsr (an RFC 3161 token) beside the manifest."""
    from analyzer.exporters.signing import SIGNATURE_NAME, sign_manifest
    from analyzer.exporters.timestamp import TOKEN_NAME, request_timestamp

    names = []
    if key is not None:
        (work / SIGNATURE_NAME).write_bytes(sign_manifest(key, manifest_bytes))
        names.append(SIGNATURE_NAME)
    if tsa_url:
        (work / TOKEN_NAME).write_bytes(request_timestamp(tsa_url, manifest_bytes))
        names.append(TOKEN_NAME)
    return names


def _file_entry(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def write_bundle(store, session_name: str, output: str | Path, *, include_report: bool = True, lang: str = "en",
                 redact: bool = False, key=None, tsa_url: str | None = None) -> dict[str, Any]:
    """Write the evidence bundle; returns its manifest (with "signed"/"timestamped" added)."""
    session = store.get_session(session_name)
    output = Path(output)
    if not output.parent.is_dir():
        raise ExportFailed(f"directory {output.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="consentry-bundle-") as tmp:
        work = Path(tmp)
        names = [] if redact else _raw_files(store, session, session_name, work)
        if not redact:  # the driver's dumps and screenshots are raw evidence too
            names += _ui_evidence_files(store, session.id, work)
        if include_report or redact:
            names = _report_files(store, session_name, work, lang=lang, redact=redact) + names
        manifest: dict[str, Any] = {
            "schema": BUNDLE_SCHEMA,
            "tool": _tool_info(),
            "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "session": {"id": str(session.id), "name": session.name},
            "lang": lang,
            "redacted": redact,
            "files": {name: _file_entry(work / name) for name in sorted(names)},
        }
        if redact:
            manifest["omitted"] = list(RAW_FILES)
        manifest["manifest_sha256"] = canonical_hash(manifest)
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        (work / MANIFEST).write_bytes(manifest_bytes)
        sealed = _seal(work, manifest_bytes, key, tsa_url)
        with atomic_output(output, "wb") as fh, zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in [MANIFEST, *sealed] + sorted(names):
                zf.write(work / name, name)
    return {**manifest, "signed": "manifest.sig" in sealed, "timestamped": "manifest.tsr" in sealed}


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
    signature: str | None = None  # one-line verdict on manifest.sig
    timestamp: str | None = None  # one-line verdict on manifest.tsr

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


SEAL_FILES = ("manifest.sig", "manifest.tsr")


def verify_bundle(path: str | Path, *, expect_hash: str | None = None, trusted_key=None, tsa_ca=None,
                  require_signature: bool = False) -> VerifyResult:
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
            _check_seals(zf, seen, result, trusted_key, tsa_ca, require_signature)
    result.ok = not (result.missing or result.extra or result.changed or result.problems)
    return result


def _member(zf: zipfile.ZipFile, name: str, limit: int = MAX_MANIFEST_BYTES) -> bytes | None:
    try:
        with zf.open(name) as fh:
            data = fh.read(limit + 1)
    except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        return None
    return data if len(data) <= limit else None


def _check_seals(zf: zipfile.ZipFile, seen: dict[str, int], result: VerifyResult, trusted_key, tsa_ca,
                 require_signature: bool) -> None:
    """The signature and the trusted timestamp over the exact manifest.json bytes."""
    from analyzer.exporters.signing import SIGNATURE_NAME, check_signature
    from analyzer.exporters.timestamp import TOKEN_NAME, inspect_token

    manifest_bytes = _member(zf, MANIFEST) or b""
    if SIGNATURE_NAME in seen:
        ok, line = check_signature(_member(zf, SIGNATURE_NAME) or b"", manifest_bytes, trusted_key)
        result.signature = line
        if not ok:
            result.problems.append(line)
    else:
        result.signature = "signature: none (the bundle is not signed)"
        if require_signature or trusted_key is not None:
            result.problems.append("signature: missing (the bundle is not signed)")
    if TOKEN_NAME in seen:
        info = inspect_token(_member(zf, TOKEN_NAME) or b"", hashlib.sha256(manifest_bytes).digest(), tsa_ca)
        if info.ok:
            trust = "trusted TSA CA" if tsa_ca is not None else "TSA CA not checked: give --tsa-ca"
            result.timestamp = f"timestamp: valid, {info.gen_time.isoformat() if info.gen_time else '?'} by {info.tsa} ({trust})"
        else:
            result.timestamp = f"timestamp: BAD: {info.problem}"
            result.problems.append(result.timestamp)


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
    result.extra = sorted(n for n in seen if n not in files and n != MANIFEST and n not in SEAL_FILES)
