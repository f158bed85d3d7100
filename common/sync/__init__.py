"""The sync protocol shared by client and server: wire types, the hybrid logical clock, the merge rule."""
from .hlc import HLC_ZERO, clamp, node_of, observe, parse, stamp, tick
from .merge import FieldConflict, MergeResult, merge_change
from .messages import (MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, SCHEMA_VERSION, Ack, Change,
                       ConflictWire, EntityRows, PullRequest, PullResponse, PushRequest,
                       PushResponse, SyncRequest, SyncResponse)

__all__ = [
    "HLC_ZERO", "clamp", "node_of", "observe", "parse", "stamp", "tick", "FieldConflict",
    "MergeResult", "merge_change", "MIN_PROTOCOL_VERSION", "PROTOCOL_VERSION", "SCHEMA_VERSION",
    "Ack", "Change", "ConflictWire", "EntityRows", "PullRequest", "PullResponse", "PushRequest",
    "PushResponse", "SyncRequest", "SyncResponse",
]
