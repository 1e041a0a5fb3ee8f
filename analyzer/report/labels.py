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
    "consent_screens": "Consent screen",
    "tapped": "Tapped",
    "matched_on_screen": "Matched on screen",
    "screen_text": "Text on the screen",
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
    "findings_count": "{n} findings: {r} requests, {c} groups of API calls",
    "requests": "Requests carrying personal data",
    "more_requests": "{n} more requests in the compact tables below; every finding is in the JSON report.",
    "api_findings": "Sensitive API calls",
    "in_requests": "{n} req.",
    "items": "{n} personal-data items",
    "response_status": "Response status",
    "no_response": "no response",
    "server": "Server address",
    "headers": "Request headers",
    "request_body": "Request body",
    "app_itself": "the app's own code",
    "page_before": "Page ",
    "page_between": " of ",
    "page_after": "",
    "printed_at": "Printed",
    "methodology": "Methodology",
    "consent_plans": "Consent plans tested",
    "appendix": "Appendix: the requests as sent",
    "appendix_note": "Each request that carried personal data, reproduced from the capture (request line, headers, start of the body).",
    "appendix_more": "{n} more requests are in the JSON report and the evidence bundle.",
    "notice_title": "Template: notice to the app developer",
    "complaint_title": "Template: complaint to the supervisory authority",
    "pdf_capped": "The printed list is capped; the JSON report and the evidence bundle hold every request.",
    "audit_at": "When",
    "audit_who": "Who",
    "audit_change": "Change",
    "sdk_frame": "Calling code (SDK frame)",
    "occurrences": "Found {n} times in this request",
    "crypto_call": "Encrypted by the hooked call",
    "ciphertext": "Ciphertext on the wire",
    "plaintext": "Plaintext given to the cipher",
    "rules": "Rules",
    "forced_marks": "Manual consent marks entered with --force (they contradict the session's span or its recorded consent events):",
    "forced": "forced",
    "consent_action": "Consent action",
    "consent_events": "Consent events",
    "source": "Source",
    "consent_text": "Text on the consent screen",
    "consent_screen": "Consent screen",
    "conclusion": "Conclusion",
    "marks": "Manual marks and their audit trail",
    "sentence_violations": "Consent plan “{plan}”: {n} rules violated",
    "sentence_clean": "Consent plan “{plan}”: no rule violated",
    "sentence_counts": "{n} findings in {r} requests",
    "sentence_findings": "{n} findings",
    "sentence_sdks": "from {sdks}",
    "sentence_passed": "Passed {n} rules: {rules}",
    "list_sep": ", ",
    "enum_sep": ", ",
    "clause_sep": "; ",
    "sentence_sep": ". ",
    "dash": " — ",
    "paren_open": " (",
    "paren_close": ")",
    "full_stop": ".",
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
    "consent_screens": "同意界面",
    "tapped": "点击的控件",
    "matched_on_screen": "界面上匹配的文字",
    "screen_text": "界面文字",
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
    "evidence": "证据来源",
    "clauses_short": "条款",
    "findings_count": "共 {n} 条发现：{r} 个请求，{c} 组API调用",
    "requests": "携带个人信息的请求",
    "more_requests": "另有 {n} 个请求见下方简表；全部发现见JSON报告。",
    "api_findings": "敏感API调用",
    "in_requests": "{n} 个请求",
    "items": "{n} 项个人信息",
    "response_status": "响应状态",
    "no_response": "无响应",
    "server": "服务器地址",
    "headers": "请求头",
    "request_body": "请求体",
    "app_itself": "应用自身代码",
    "page_before": "第 ",
    "page_between": " 页 / 共 ",
    "page_after": " 页",
    "printed_at": "打印时间",
    "methodology": "检测方法",
    "consent_plans": "测试的同意方案",
    "appendix": "附录：请求原文",
    "appendix_note": "每个携带个人信息的请求，按抓包原样复现（请求行、请求头、请求体开头）。",
    "appendix_more": "另有 {n} 个请求见JSON报告与证据包。",
    "notice_title": "模板：致App开发者的整改通知",
    "complaint_title": "模板：向主管部门的投诉（举报）书",
    "pdf_capped": "打印版列表有上限；全部请求见JSON报告与证据包。",
    "audit_at": "时间",
    "audit_who": "操作人",
    "audit_change": "变更",
    "sdk_frame": "调用代码（SDK栈帧）",
    "occurrences": "在该请求中出现 {n} 次",
    "crypto_call": "被挂钩的加密调用",
    "ciphertext": "传输中的密文",
    "plaintext": "加密前的明文",
    "rules": "规则",
    "forced_marks": "以 --force 录入的人工同意标记（与会话时间范围或已记录的同意事件矛盾）：",
    "forced": "强制录入",
    "consent_action": "同意操作",
    "consent_events": "同意事件",
    "source": "来源",
    "consent_text": "同意界面文字",
    "consent_screen": "同意界面截图",
    "conclusion": "结论",
    "marks": "人工标记及其审计记录",
    "sentence_violations": "同意方案“{plan}”：违反 {n} 条规则",
    "sentence_clean": "同意方案“{plan}”：未违反任何规则",
    "sentence_counts": "{n} 条发现，涉及 {r} 个请求",
    "sentence_findings": "{n} 条发现",
    "sentence_sdks": "来自 {sdks}",
    "sentence_passed": "通过 {n} 条规则：{rules}",
    "list_sep": "，",
    "enum_sep": "、",
    "clause_sep": "；",
    "sentence_sep": "。",
    "dash": "——",
    "paren_open": "（",
    "paren_close": "）",
    "full_stop": "。",
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

_STATUSES = {
    "en": {"finished": "finished", "recording": "recording", "app_crashed": "app crashed", "detached": "detached",
           "proxy_error": "proxy error", "interrupted": "interrupted"},
    "zh": {"finished": "已完成", "recording": "录制中", "app_crashed": "应用崩溃", "detached": "已断开",
           "proxy_error": "代理错误", "interrupted": "已中断"},
}

_CHANGES = {
    "en": {"created": "created", "forced": "created with --force", "deleted": "deleted"},
    "zh": {"created": "创建", "forced": "以 --force 强制创建", "deleted": "删除"},
}

_CONFIDENCES = {
    "en": {"high": "high", "medium": "medium", "low": "low"},
    "zh": {"high": "高", "medium": "中", "low": "低"},
}

_SOURCES = {
    "en": {"hook": "hook", "manual": "manual mark", "ui": "UI", "sdk_api": "SDK API", "profile": "device profile",
           "canary": "canary", "import": "import", "api_call": "API call"},
    "zh": {"hook": "挂钩", "manual": "人工标记", "ui": "界面操作", "sdk_api": "SDK接口", "profile": "设备档案",
           "canary": "金丝雀值", "import": "导入", "api_call": "API调用"},
}

_LOCATIONS = {
    "en": {"query": "query", "body": "body", "header": "header", "cookie": "cookie", "path": "path", "url": "URL",
           "websocket": "WebSocket"},
    "zh": {"query": "查询参数", "body": "请求体", "header": "请求头", "cookie": "Cookie", "path": "路径", "url": "URL",
           "websocket": "WebSocket"},
}

PII_NAMES_ZH = {
    "imei": "IMEI", "meid": "MEID", "imsi": "IMSI", "iccid": "ICCID", "serial": "设备序列号",
    "android_id": "Android ID", "oaid": "OAID", "aaid": "AAID", "idfa": "IDFA", "idfv": "IDFV",
    "mac": "MAC地址", "bssid": "BSSID", "ssid": "Wi-Fi名称(SSID)", "phone_number": "手机号码", "email": "电子邮箱",
    "location": "位置", "cell_id": "基站信息", "contacts": "通讯录", "installed_apps": "已安装应用列表",
    "clipboard": "剪贴板", "device_name": "设备名称", "account": "账户信息",
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

    def lane(self, lane: str | None) -> str:
        """An SDK lane name: SDK ids as they are, the app itself and unknown callers translated."""
        if lane == "app":
            return self["app_itself"]
        if lane in (None, "", "unknown"):
            return self["unknown"]
        return lane

    def status(self, status: str | None) -> str:
        return _STATUSES[self.lang].get(status or "", status or "")

    def change(self, change: str | None) -> str:
        return _CHANGES[self.lang].get(change or "", change or "")

    def confidence(self, confidence: str | None) -> str:
        return _CONFIDENCES[self.lang].get(confidence or "", confidence or "")

    def source(self, source: str | None) -> str:
        return _SOURCES[self.lang].get(source or "", source or "")

    def location(self, location: str | None) -> str:
        return _LOCATIONS[self.lang].get(location or "", location or "")

    def pii(self, kind: str | None) -> str:
        """A PII kind for readers: the id in English, the usual Chinese name in zh."""
        if not kind:
            return ""
        return PII_NAMES_ZH.get(kind, kind) if self.lang == "zh" else kind

    def rule_title(self, rule) -> str:
        """The rule title in this language (RuleInfo.title_zh for zh when present)."""
        if self.lang == "zh" and getattr(rule, "title_zh", None):
            return rule.title_zh
        return rule.title
