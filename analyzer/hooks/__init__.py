"""Python host of the Frida hooks: agent bundling, the attach/drive session, canaries."""

from analyzer.hooks.bundle import build_agent_source, java_bridge_path
from analyzer.hooks.canary import luhn_valid, make_canary
from analyzer.hooks.protocol import HooksError, HooksExiting, HooksInstalled, HooksPending, HooksReady, HooksSkipped, LogMessage, ProtocolMessage, UnparsedMessage, parse_protocol
from analyzer.hooks.session import HookConfig, HookSession, HookSessionError
from analyzer.hooks.targets import HookScriptsError, HookTarget, categories, list_targets

__all__ = [
    "build_agent_source",
    "java_bridge_path",
    "luhn_valid",
    "make_canary",
    "HooksError",
    "HooksExiting",
    "HooksInstalled",
    "HooksPending",
    "HooksReady",
    "HooksSkipped",
    "LogMessage",
    "ProtocolMessage",
    "UnparsedMessage",
    "parse_protocol",
    "HookConfig",
    "HookSession",
    "HookSessionError",
    "HookScriptsError",
    "HookTarget",
    "categories",
    "list_targets",
]
