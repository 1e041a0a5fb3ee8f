"""`report --format pdf`: page numbers, summary, methodology, findings, an appendix with
each request, letter templates, in English and Chinese with an embedded subset CJK font."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from analyzer.store import open_store
from tests.analysis import corpus as c
from tests.evidence.test_finding_model import three_posts


def pdf_text(data: bytes) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, [page.extract_text() or "" for page in reader.pages]


def embedded_fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
    return names


def test_pdf_in_both_languages(sqlite_url, run, tmp_path):
    three_posts(open_store(sqlite_url)).commit()
    en_path, zh_path = tmp_path / "r.pdf", tmp_path / "r-zh.pdf"
    assert run("report", "three", "--format", "pdf", "--output", str(en_path)).exit_code == 0
    result = run("report", "three", "--format", "pdf", "--lang", "zh", "--output", str(zh_path))
    assert result.exit_code == 0, result.stderr
    assert en_path.read_bytes().startswith(b"%PDF-")

    reader, pages = pdf_text(en_path.read_bytes())
    n = len(pages)
    assert n >= 4
    for i, text in enumerate(pages, 1):
        assert f"Page {i} of {n}" in text  # page numbers on every page
    text = "\n".join(pages)
    assert text.index("Consent plan") < text.index("Methodology") < text.index("Appendix: the requests as sent")
    for needle in ("How matching works", "Limits", "Consent plans tested", "Template: notice to the app developer",
                   "Template: complaint to the supervisory authority", "Art. 5(3) of Directive 2002/58/EC",
                   "Art. 77 GDPR", "pre-consent-transmission"):
        assert needle in text, needle
    appendix = text[text.index("Appendix: the requests as sent"):]
    assert appendix.count("POST http://ulogs.umeng.com/u?imei=") == 3 and "Content-Type: application/json" in appendix

    reader, pages = pdf_text(zh_path.read_bytes())
    n = len(pages)
    assert all(f"第 {i} 页 / 共 {n} 页" in t for i, t in enumerate(pages, 1))
    text = "\n".join(pages)
    for needle in ("同意方案", "检测方法", "局限", "附录：请求原文", "整改通知", "投诉（举报）书", "国信办秘字〔2019〕191号",
                   "GB/T 35273-2020", "GB/T 41391-2022", "征得用户同意前发送个人信息"):
        assert needle in text, needle
    assert "置信度: high" not in text and "证据 hook" not in text
    fonts = embedded_fonts(reader)
    cjk = [f for f in fonts if re.match(r"/[A-Z]{6}\+", f) and ("Hei" in f or "CJK" in f or "Han" in f)]
    assert cjk, fonts  # a subset ("ABCDEF+") of a CJK font is embedded


def test_pdf_to_stdout_and_redacted(sqlite_url, run):
    c.preconsent_leak(open_store(sqlite_url)).commit()
    result = run("report", "preconsent", "--format", "pdf", "--redact")
    assert result.exit_code == 0 and result.stdout_bytes.startswith(b"%PDF-")
    _, pages = pdf_text(result.stdout_bytes)
    text = "\n".join(pages)
    assert c.ANDROID_ID not in text and "masked" in text
