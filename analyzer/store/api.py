"""Former home of the store's whole API, kept importable for one release.

The store is split by aggregate: analyzer.store.store (Store, open_store),
.sessions, .flows, .blobs, .events, .findings, .bulk; the rule of which identifiers an
event reveals is analyzer.rules.identifiers. Import from those (or from analyzer.store).
"""

from analyzer.rules.identifiers import identifiers_in_event
from analyzer.store.blobs import DEFAULT_MAX_BODY_BYTES
from analyzer.store.blobs import max_body_from_env as _max_body_from_env
from analyzer.store.bulk import MAX_PARAMS as _MAX_PARAMS
from analyzer.store.bulk import insert_rows as _insert_rows
from analyzer.store.bulk import multi_row_insert as _multi_row_insert
from analyzer.store.bulk import param_names as _param_names
from analyzer.store.flows import flow_record as _flow_record
from analyzer.store.sessions import SESSION_STATUSES, SessionNotFound, validate_session_name
from analyzer.store.store import Store, _engines, open_store

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "SESSION_STATUSES",
    "SessionNotFound",
    "Store",
    "_engines",
    "_flow_record",
    "_MAX_PARAMS",
    "_insert_rows",
    "_max_body_from_env",
    "_multi_row_insert",
    "_param_names",
    "identifiers_in_event",
    "open_store",
    "validate_session_name",
]
