"""The analysis pipeline: scan, place on the consent timeline, judge, attribute, store."""

from analyzer.analysis.findings import dump_findings, finding_id
from analyzer.analysis.pipeline import AnalysisResult, analyze_session

__all__ = ["AnalysisResult", "analyze_session", "dump_findings", "finding_id"]
