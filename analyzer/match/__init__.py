"""Matching: known identifiers and their variants, crypto links, detectors, per-flow scan."""

from analyzer.match.crypto import CryptoIndex
from analyzer.match.detectors import Detection, detect_groups, detect_leaf, luhn_ok
from analyzer.match.identifiers import Identifier, IdentifierSet, Variant
from analyzer.match.scan import FlowScan, excerpt, scan_flow

__all__ = [
    "CryptoIndex",
    "Detection",
    "FlowScan",
    "Identifier",
    "IdentifierSet",
    "Variant",
    "detect_groups",
    "detect_leaf",
    "excerpt",
    "luhn_ok",
    "scan_flow",
]
