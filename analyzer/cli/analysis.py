"""`consentry analyze`, `findings`, `rules` and `identifiers add|list|import`."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.markup import escape

from analyzer.terminal import for_terminal
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from analyzer.cli.common import CliError, console, err_console, open_store, print_json, short_api, short_ids, table

if TYPE_CHECKING:
    from analyzer.models.report import Finding

PHASES = ("pre_consent", "post_refusal", "post_consent", "post_withdrawal", "ambiguous")
PHASE_HEADERS = {"pre_consent": "pre", "post_refusal": "ref", "post_consent": "ok", "post_withdrawal": "wdr", "ambiguous": "amb"}
MAX_PROFILE_BYTES = 1024 * 1024
MAX_IDENTIFIER_CHARS = 4096

identifiers_app = typer.Typer(help="The personal data values a session's traffic is searched for.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("analyze", help="Analyse a session: find personal data sent or collected without consent.")(analyze_command)
    app.command("findings", help="List a session's findings (analyses it first if needed).")(findings_command)
    app.command("rules", help="List the rules of a ruleset with the clauses they evidence.")(rules_command)
    app.command("sdks", help="List the SDK catalogue (shipped entries plus --sdk-catalogue FILE).")(sdks_command)
    app.add_typer(identifiers_app, name="identifiers")


def _session(store, name: str):
    from analyzer.store import SessionNotFound

    try:
        return store.get_session(name)
    except SessionNotFound as exc:
        raise CliError(str(exc)) from None


def _run_analysis(store, name: str, *, ruleset: str | None, rules_config: dict | None, quiet: bool):
    from analyzer.analysis import analyze_session
    from analyzer.attribution.catalogue import CatalogueError
    from analyzer.rules import RulesetError
    from analyzer.store import StoreError

    progress = Progress(
        TextColumn("analysing {task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=err_console, transient=True, disable=quiet,
    )
    try:
        with progress:
            task = progress.add_task(name, total=None)
            return analyze_session(
                store, name, ruleset=ruleset, rules_config=rules_config,
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
    except (RulesetError, CatalogueError) as exc:
        raise CliError(str(exc)) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None


def analyze_command(
    name: str = typer.Argument(..., help="Session name."),
    ruleset: Optional[str] = typer.Option(None, "--ruleset", help="Ruleset version (default: the newest; see `consentry rules --list`)."),
    rules_config: Optional[Path] = typer.Option(None, "--rules-config", help="JSON file overriding rule defaults (over-frequency limits, ambiguity floor, disabled rules)."),
    first_party: list[str] = typer.Option([], "--first-party", help="A domain of the app's own backend (repeatable; saved with the session)."),
    sdk_catalogue: Optional[Path] = typer.Option(None, "--sdk-catalogue", metavar="FILE", help="Your own SDK entries (JSON/YAML), merged with the shipped catalogue by id (saved with the session)."),
    declared: Optional[Path] = typer.Option(None, "--declared", metavar="FILE", help="The app's declared SDK list and data types (YAML/JSON): adds the rules undisclosed-sdk and undisclosed-data (saved with the session)."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings and stats as JSON."),
) -> None:
    from analyzer.rules import RulesetError, read_rules_config

    store = open_store()
    session = _session(store, name)
    if sdk_catalogue is not None:
        _save_catalogue(store, session, sdk_catalogue)
        session = _session(store, name)
    if declared is not None:
        _save_declaration(store, session, declared)
        session = _session(store, name)
    overrides = None
    if rules_config is not None:
        try:
            overrides = read_rules_config(rules_config)
        except RulesetError as exc:
            raise CliError(str(exc)) from None
    if first_party:
        _save_first_party(store, session, first_party)
    result = _run_analysis(store, name, ruleset=ruleset, rules_config=overrides, quiet=as_json)
    if as_json:
        print_json({"session": name, "run_id": str(result.run_id), "ruleset": result.stats.get("ruleset"),
                    "verdicts": result.verdicts, "stats": result.stats, "findings": list(result.findings)})
        return
    _print_summary(name, result.findings, result.verdicts, result.stats)


def _save_catalogue(store, session, path: Path) -> None:
    from analyzer.attribution.catalogue import META_KEY, CatalogueError, read_catalogue

    try:
        catalogue = read_catalogue(path)
    except CatalogueError as exc:
        raise CliError(str(exc)) from None
    store.update_session(session.name, meta={**(session.meta or {}), META_KEY: catalogue})


def _save_declaration(store, session, path: Path) -> None:
    from analyzer.rules.declared import META_KEY, DeclarationError, read_declaration

    try:
        declaration = read_declaration(path)
    except DeclarationError as exc:
        raise CliError(str(exc)) from None
    package = session.app.package if session.app is not None else None
    if declaration.get("app") and package and declaration["app"] != package:
        raise CliError(f"--declared: the file declares app {declaration['app']!r}, the session is of {package!r}")
    store.update_session(session.name, meta={**(session.meta or {}), META_KEY: declaration})


def _save_first_party(store, session, domains: list[str]) -> None:
    from analyzer.attribution.domains import normalize_host

    cleaned = []
    for d in domains:
        host = normalize_host(d)
        if not host or "/" in host or " " in host or len(host) > 253:
            raise CliError(f"--first-party: not a domain name: {d!r}")
        cleaned.append(host)
    meta = dict(session.meta or {})
    meta["first_party_domains"] = sorted(set(meta.get("first_party_domains", [])) | set(cleaned))
    store.update_session(session.name, meta=meta)


def _print_summary(name: str, findings: list[dict], verdicts: dict[str, int], stats: dict[str, Any]) -> None:
    from analyzer.analysis.findings import finding_rules

    by_rule_phase: dict[str, Counter] = {}
    for f in findings:
        for rule_id in finding_rules(f):
            by_rule_phase.setdefault(rule_id, Counter())[f["phase"]] += 1
    heads = [PHASE_HEADERS[p] for p in PHASES]
    table_ = table(f"{name}: findings by rule and phase (ruleset {stats.get('ruleset')})",
                   ("rule", "verdict", *heads, "all"), numeric=(*heads, "all"), whole=("rule", "verdict", *heads, "all"))
    for rule in verdicts:
        counts = by_rule_phase.get(rule, Counter())
        total = sum(counts.values())
        verdict = "[bold red]violation[/]" if total else "[green]pass[/]"
        table_.add_row(rule, verdict, *[str(counts.get(p, 0) or "") for p in PHASES], str(total))
    console.print(table_)
    console.print("phases: " + "  ".join(f"{h}={p}" for p, h in PHASE_HEADERS.items()), highlight=False)
    console.print(
        f"{stats.get('flows', 0)} flows scanned, {stats.get('flows_with_pii', 0)} carrying personal data, "
        f"{stats.get('api_call_events', 0)} API-call events, {stats.get('identifiers', 0)} known identifiers, "
        f"consent timeline from {stats.get('consent_basis')} events; {len(findings)} findings"
    )
    decoding_line = (stats.get("decoding") or {}).get("line")
    if decoding_line:
        console.print(f"[yellow]note:[/] {escape(decoding_line)}", markup=True, highlight=False)
    for note in stats.get("scan_notes", [])[:5]:
        console.print(f"[yellow]note:[/] {escape(for_terminal(note))}", markup=True, highlight=False)


def findings_command(
    name: str = typer.Argument(..., help="Session name."),
    rule: Optional[str] = typer.Option(None, "--rule", help="Only this rule id."),
    phase: Optional[str] = typer.Option(None, "--phase", help=f"Only this phase ({'|'.join(PHASES)})."),
    sdk: Optional[str] = typer.Option(None, "--sdk", help="Only findings attributed to this SDK id."),
    finding_id: Optional[str] = typer.Option(None, "--id", help="One finding by its id or a unique prefix (as printed)."),
    as_json: bool = typer.Option(False, "--json", help="Print the findings as JSON (report-JSON finding objects)."),
) -> None:
    from analyzer.analysis.findings import finding_json
    from analyzer.rules import RULE_IDS

    if phase is not None and phase not in PHASES:
        raise CliError(f"--phase must be one of {', '.join(PHASES)}")
    if rule is not None and rule not in RULE_IDS:
        raise CliError(f"unknown rule {rule!r}; rules: {', '.join(RULE_IDS)}")
    store = open_store()
    session = _session(store, name)
    run = store.current_run(session.id)
    if run is None:
        err_console.print(f"{name} has not been analysed yet: analysing it now")
        _run_analysis(store, name, ruleset=None, rules_config=None, quiet=as_json)
        run = store.current_run(session.id)
    items = [
        f for f in store.findings(run.id)
        if (rule is None or rule in _rules_of(f)) and (phase is None or f.phase == phase) and (sdk is None or f.sdk == sdk)
    ]
    if finding_id is not None:
        items = [_one_finding(items, finding_id)]
        if as_json:
            print_json(finding_json(items[0]))
            return
    if as_json:
        print_json([finding_json(f) for f in items])
        return
    print_findings(name, items, run.ruleset_version)


def _rules_of(finding: Finding) -> list[str]:
    """Every rule a finding breaks (``rule`` is the first of them)."""
    return finding.rules or [finding.rule]


def _one_finding(items: list[Finding], prefix: str) -> Finding:
    hits = [f for f in items if f.id.startswith(prefix.strip().lower())] if prefix.strip() else []
    if len(hits) != 1:
        raise CliError(f"no finding {prefix!r}" if not hits else f"finding id {prefix!r} is ambiguous ({len(hits)} match)")
    return hits[0]


def print_findings(name: str, items: list[Finding], ruleset: str) -> None:
    """Findings grouped per request (then the API-call findings), fitting 80 columns:
    the request on its own wrapped line, its items in a narrow table, ids as unique prefixes."""
    from rich.text import Text

    ids = short_ids([f.id for f in items])
    requests: dict[str, list[Finding]] = {}
    calls: list[Finding] = []
    for f in items:
        if f.flow is not None:
            requests.setdefault(f.flow.id, []).append(f)
        else:
            calls.append(f)
    console.print(Text(f"{name}: {len(items)} findings in {len(requests)} requests and {len(calls)} API-call groups "
                       f"(ruleset {ruleset}); phases: " + " ".join(f"{h}={p}" for p, h in PHASE_HEADERS.items())))
    for group in requests.values():
        f0 = group[0]
        dest = f0.destination
        head = (f"{f0.ts[11:23]} {f0.flow.method} {f0.flow.url[:160]} -> {dest.host if dest else ''} "
                f"({dest.party if dest else None}{', ' + f0.sdk if f0.sdk else ''})")
        console.print(Text(head, style="bold"), soft_wrap=False)
        out = table(None, ("pii", "phase", "rules", "where", "conf", "id"), whole=("phase", "rules", "conf", "id"))
        for f in group:
            where = f"{f.location}:{f.evidence.path or ''}"
            out.add_row(f.pii_type or "", PHASE_HEADERS.get(f.phase, f.phase), "\n".join(_rules_of(f)),
                        where, f.confidence, ids[f.id])
        console.print(out)
    if calls:
        console.print(Text("sensitive API calls", style="bold"))
        out = table(None, ("api (sdk, first call)", "pii", "phase", "rules", "id"), whole=("phase", "rules", "id"))
        for f in calls:
            api = f.evidence.api_call.api if f.evidence.api_call else ""
            out.add_row(f"{short_api(api)}\n{f.sdk or '-'} {f.ts[11:23]}", f.pii_type or "",
                        PHASE_HEADERS.get(f.phase, f.phase), "\n".join(_rules_of(f)), ids[f.id])
        console.print(out)


def rules_command(
    ruleset: Optional[str] = typer.Option(None, "--ruleset", help="Ruleset version (default: the newest)."),
    list_versions: bool = typer.Option(False, "--list", help="List the shipped ruleset versions."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    from analyzer.rules import RULESET_VERSION, RulesetError, available_rulesets, load_ruleset

    if list_versions:
        versions = available_rulesets()
        if as_json:
            print_json({"default": RULESET_VERSION, "available": versions})
        else:
            for v in versions:
                console.print(f"{v}{'  (default)' if v == RULESET_VERSION else ''}")
        return
    try:
        rs = load_ruleset(ruleset)
    except RulesetError as exc:
        raise CliError(str(exc)) from None
    if as_json:
        print_json({"version": rs.version, "description": rs.description, "defaults": rs.defaults, "rules": list(rs.rules)})
        return
    out = table(f"ruleset {rs.version}", ("rule", "severity", "title", "clauses"), whole=("rule",))
    for r in rs.rules:
        clauses = "; ".join(f"{c['framework']} {c['ref']}" for c in r.get("clauses", []))
        out.add_row(r["id"], r["severity"], f"{r['title']}\n{r.get('title_zh') or ''}", clauses)
    console.print(out, markup=False, highlight=False)


def sdks_command(
    sdk_catalogue: Optional[Path] = typer.Option(None, "--sdk-catalogue", metavar="FILE", help="Merge this file's entries first."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    from analyzer.attribution.catalogue import CatalogueError, read_catalogue, session_signatures

    try:
        table_ = session_signatures()
        if sdk_catalogue is not None:
            extra = read_catalogue(sdk_catalogue)
            table_ = table_.merged(extra["sdks"], extra["framework_prefixes"])
    except CatalogueError as exc:
        raise CliError(str(exc)) from None
    rows = [{"id": s.id, **s.describe(), "code_prefixes": list(s.code_prefixes), "hosts": list(s.hosts)}
            for s in sorted(table_.sdks.values(), key=lambda s: s.id)]
    if as_json:
        print_json({"version": table_.version, "sdks": rows})
        return
    out = table(f"SDK catalogue {table_.version}: {len(rows)} SDKs", ("id", "name", "organisation", "code / hosts"))
    for r in rows:
        out.add_row(r["id"], f"{r['name']} / {r['name_zh']}", r["organisation"], " ".join(r["code_prefixes"] + r["hosts"]))
    console.print(out, markup=False, highlight=False)


# -- identifiers ---------------------------------------------------------------------------
def _check_identifier(kind: str, value: str) -> tuple[str, str]:
    from analyzer.models.events import PII_KINDS

    kind = kind.strip().lower()
    if kind not in PII_KINDS:
        raise CliError(f"unknown identifier kind {kind!r}; kinds: {' '.join(PII_KINDS)}")
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    value = value.strip()
    if not value:
        raise CliError(f"empty value for identifier kind {kind!r}")
    if len(value) > MAX_IDENTIFIER_CHARS or "\x00" in value:
        raise CliError(f"identifier value for {kind!r} is too long or contains NUL")
    return kind, value


@identifiers_app.command("add")
def identifiers_add(
    kind: str = typer.Argument(..., help="PII kind (imei, android_id, oaid, mac, location as 'lat,lon', ...)."),
    value: str = typer.Argument(..., help="The value as the device returns it."),
    session_name: str = typer.Option(..., "--session", "-s", help="Session name."),
) -> None:
    store = open_store()
    session = _session(store, session_name)
    kind, value = _check_identifier(kind, value)
    added = store.add_identifier(session.id, kind, value, "manual")
    console.print(f"{'added' if added else 'already known'}: {kind}", highlight=False)


@identifiers_app.command("list")
def identifiers_list(
    session_name: str = typer.Argument(..., help="Session name."),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    store = open_store()
    session = _session(store, session_name)
    rows = store.identifiers(session.id)
    if as_json:
        print_json([
            {"kind": r.kind, "value": r.value, "source": r.source, "first_seen": r.first_seen.isoformat() if r.first_seen else None}
            for r in rows
        ])
        return
    table_ = table(f"{session_name}: {len(rows)} identifiers", ("kind", "value", "source", "first seen"), whole=("kind",))
    for r in rows:
        table_.add_row(r.kind, r.value, r.source, r.first_seen.isoformat(timespec="milliseconds") if r.first_seen else "")
    console.print(table_, markup=False, highlight=False)


def read_profile(path: Path) -> list[tuple[str, str]]:
    """A device profile: {"imei": "...", "android_id": "...", "location": "lat,lon" or [lat, lon], ...}.

    A value may be a list of values (two SIM slots). Unknown kinds are an error so a typo
    does not silently leave an identifier unsearched.
    """
    from analyzer.fileio import JsonFileError, read_json_object

    try:
        data = read_json_object(path, what="profile", max_bytes=MAX_PROFILE_BYTES)
    except JsonFileError as exc:
        raise CliError(str(exc)) from None
    pairs = []
    for kind, raw in data.items():
        if kind == "location" and isinstance(raw, list) and len(raw) == 2 and all(isinstance(x, (int, float)) for x in raw):
            raw = f"{raw[0]},{raw[1]}"
        values = raw if isinstance(raw, list) else [raw]
        for v in values:
            if v is None or isinstance(v, (dict, bool)):
                raise CliError(f"{path}: {kind}: value must be a string or number")
            pairs.append(_check_identifier(kind, v if isinstance(v, str) else str(v)))
    return pairs


@identifiers_app.command("import")
def identifiers_import(
    profile: Path = typer.Argument(..., help="Device profile JSON: {\"imei\": \"...\", \"android_id\": \"...\", ...}."),
    session_name: str = typer.Option(..., "--session", "-s", help="Session name."),
) -> None:
    store = open_store()
    session = _session(store, session_name)
    pairs = read_profile(profile)
    added = sum(1 for kind, value in pairs if store.add_identifier(session.id, kind, value, "profile"))
    console.print(f"{added} identifiers added, {len(pairs) - added} already known", highlight=False)
