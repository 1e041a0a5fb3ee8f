"""Report labels in English and Chinese.

Reports go to regulators and developers on both sides, so every fixed word in a
rendered report comes from this table; captured data is never translated.
"""

from __future__ import annotations

from typing import Mapping

LANGUAGES = ("en", "zh")

_EN: dict[str, str] = {
    "title": "Consent compliance evidence report",
    "app_title": "Per-app consent compliance report",
    "summary": "Verdict by rule",
    "rule": "Rule",
    "severity": "Severity",
    "verdict": "Verdict",
    "violation": "violation",
    "pass": "pass",
    "findings": "Findings",
    "finding": "Finding",
    "count": "Count",
    "timeline": "Timeline",
    "sdk_table": "What each SDK collected and sent",
    "sdk": "SDK",
    "collected": "Collected (API calls)",
    "sent": "Sent (personal data)",
    "hosts": "Where (hosts)",
    "phases": "Phases",
    "clauses": "Rules and the clauses they evidence",
    "framework": "Framework",
    "clause": "Clause",
    "metadata": "Session, device and tool",
    "session": "Session",
    "app": "App",
    "package": "Package",
    "version": "Version",
    "device": "Device",
    "tool": "Tool",
    "ruleset": "Ruleset version",
    "hashes": "Hashes",
    "generated_at": "Generated at",
    "started_at": "Started at",
    "ended_at": "Ended at",
    "status": "Status",
    "consent_choice": "Consent choice",
    "clock": "Clock offset / uncertainty",
    "flows": "Flows",
    "events": "Events",
    "request": "Request",
    "decode_chain": "Decode chain",
    "payload": "Payload excerpt",
    "stack": "Java stack",
    "hooked_call": "Hooked call that produced the value",
    "destination": "Destination",
    "party": "Party",
    "confidence": "Confidence",
    "triage": "Triage",
    "triage_confirmed": "confirmed",
    "triage_false_positive": "false positive",
    "triage_accepted_risk": "accepted risk",
    "phase": "Phase",
    "pii_type": "Personal data",
    "value": "Value",
    "matched": "Found on the wire",
    "location": "Location in request",
    "time": "Time",
    "relative": "Relative to consent",
    "window": "Calls in window",
    "none": "none",
    "no_findings": "No findings.",
    "more_findings": "{n} more findings in the compact table below; every finding is in the JSON report.",
    "compact": "Compact list",
    "page": "Page {i} of {n}",
    "aggregated": "{n} findings in this interval",
    "api_calls": "API calls",
    "redacted": "Personal data values in this report are masked (--redact).",
    "overview": "Overview by consent choice",
    "choice_section": "Consent choice: {choice}",
    "expand_all": "Expand all",
    "collapse_all": "Collapse all",
    "legend": "Legend",
    "return_value": "Return value",
    "calls": "calls",
    "seconds": "s",
    "unknown": "unknown",
    "first": "first party",
    "third": "third party",
    "evidence": "Evidence",
    "clauses_short": "Clauses",
}

_ZH: dict[str, str] = {
    "title": "同意合规证据报告",
    "app_title": "应用同意合规报告",
    "summary": "各规则结论",
    "rule": "规则",
    "severity": "严重程度",
    "verdict": "结论",
    "violation": "违规",
    "pass": "通过",
    "findings": "发现",
    "finding": "发现",
    "count": "数量",
    "timeline": "时间线",
    "sdk_table": "各SDK收集与发送的数据",
    "sdk": "SDK",
    "collected": "收集（API调用）",
    "sent": "发送（个人信息）",
    "hosts": "发送至（主机）",
    "phases": "阶段",
    "clauses": "规则及其对应条款",
    "framework": "依据",
    "clause": "条款",
    "metadata": "会话、设备与工具",
    "session": "会话",
    "app": "应用",
    "package": "包名",
    "version": "版本",
    "device": "设备",
    "tool": "工具",
    "ruleset": "规则集版本",
    "hashes": "哈希",
    "generated_at": "生成时间",
    "started_at": "开始时间",
    "ended_at": "结束时间",
    "status": "状态",
    "consent_choice": "同意选择",
    "clock": "时钟偏差 / 不确定度",
    "flows": "流量",
    "events": "事件",
    "request": "请求",
    "decode_chain": "解码链",
    "payload": "载荷摘录",
    "stack": "Java调用栈",
    "hooked_call": "产生该值的被挂钩调用",
    "destination": "目的地",
    "party": "归属",
    "confidence": "置信度",
    "triage": "复核",
    "triage_confirmed": "已确认",
    "triage_false_positive": "误报",
    "triage_accepted_risk": "接受风险",
    "phase": "阶段",
    "pii_type": "个人信息",
    "value": "值",
    "matched": "传输中发现的内容",
    "location": "请求中的位置",
    "time": "时间",
    "relative": "相对同意事件",
    "window": "窗口内调用次数",
    "none": "无",
    "no_findings": "无发现。",
    "more_findings": "另有 {n} 条发现见下方简表；全部发现见JSON报告。",
    "compact": "简表",
    "page": "第 {i} 页，共 {n} 页",
    "aggregated": "该时间段内 {n} 条发现",
    "api_calls": "API调用",
    "redacted": "本报告中的个人信息值已脱敏（--redact）。",
    "overview": "按同意选择汇总",
    "choice_section": "同意选择：{choice}",
    "expand_all": "全部展开",
    "collapse_all": "全部收起",
    "legend": "图例",
    "return_value": "返回值",
    "calls": "次调用",
    "seconds": "秒",
    "unknown": "未知",
    "first": "第一方",
    "third": "第三方",
    "evidence": "证据",
    "clauses_short": "条款",
}

_PHASES = {
    "en": {
        "pre_consent": "before consent",
        "post_refusal": "after refusal",
        "post_consent": "after consent",
        "post_withdrawal": "after withdrawal",
        "ambiguous": "ambiguous",
    },
    "zh": {
        "pre_consent": "同意前",
        "post_refusal": "拒绝后",
        "post_consent": "同意后",
        "post_withdrawal": "撤回后",
        "ambiguous": "不确定",
    },
}

_ACTIONS = {
    "en": {"shown": "shown", "granted": "granted", "refused": "refused", "withdrawn": "withdrawn"},
    "zh": {"shown": "弹窗", "granted": "同意", "refused": "拒绝", "withdrawn": "撤回"},
}

_CHOICES = {
    "en": {"accept": "accept", "refuse": "refuse", "none": "no choice", "withdraw": "withdraw"},
    "zh": {"accept": "同意", "refuse": "拒绝", "none": "未选择", "withdraw": "撤回"},
}

_SEVERITIES = {
    "en": {"high": "high", "medium": "medium", "low": "low"},
    "zh": {"high": "高", "medium": "中", "low": "低"},
}

_TABLES = {"en": _EN, "zh": _ZH}


class Labels:
    """Lookup of fixed report words for one language; unknown keys fall back to English."""

    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown report language {lang!r} (choose one of {', '.join(LANGUAGES)})")
        self.lang = lang
        self._words: Mapping[str, str] = _TABLES[lang]

    def __getitem__(self, key: str) -> str:
        return self._words.get(key) or _EN.get(key, key)

    def fmt(self, key: str, **values: object) -> str:
        return self[key].format(**values)

    def phase(self, phase: str | None) -> str:
        return _PHASES[self.lang].get(phase or "", phase or self["unknown"])

    def action(self, action: str) -> str:
        return _ACTIONS[self.lang].get(action, action)

    def choice(self, choice: str | None) -> str:
        if not choice:
            return self["unknown"]
        return _CHOICES[self.lang].get(choice, choice)

    def triage(self, state: str) -> str:
        return self[f"triage_{state}"]

    def severity(self, severity: str) -> str:
        return _SEVERITIES[self.lang].get(severity, severity)

    def rule_title(self, rule) -> str:
        """The rule title in this language (RuleInfo.title_zh for zh when present)."""
        if self.lang == "zh" and getattr(rule, "title_zh", None):
            return rule.title_zh
        return rule.title
