"""The lean contract: only the fields the flat silver event needs, defined once, decoded two ways.

The pydantic models below are the definition. Each is mirrored into a ``msgspec.Struct`` by
``to_struct`` so the hot path can decode bytes without building Python objects for the parts of
an event we do not read (a 2015 event is ~2.4 kB, most of it payload we only carry as raw text;
``msgspec.Raw`` hands us that text without parsing it). The pydantic models are used on the slow
path, only when the fast decoder rejects a record, to name the reason and the field. Both are
strict (no str->int coercion, no bool->int), so they accept the same records; a test checks the
mirror field by field, and another compares both paths on generated records.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import msgspec
from pydantic import BaseModel, ConfigDict, Field, create_model

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Every integer lands in an Arrow int64 column: reject what would overflow it here, not there.
I64 = Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
_MS_I64 = Annotated[int, msgspec.Meta(ge=INT64_MIN, le=INT64_MAX)]


class LeanModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class LeanAccount(LeanModel):
    id: I64
    login: str


class LeanActor(LeanAccount):
    """The account that acted (a user or a bot)."""


class LeanRepo(LeanModel):
    id: I64
    name: str


class LeanOrg(LeanAccount):
    """The organisation the repository belongs to."""


class LeanEnvelope(LeanModel):
    """The event envelope. ``payload`` is kept whole here and decoded by its type's lean model."""

    # GH Archive and the Events API send the id as a decimal string; GitHub's docs say integer.
    id: str | I64
    type: str
    actor: LeanActor
    repo: LeanRepo
    payload: dict[str, Any]
    # Parsed by the shared flattening code, so both decoders agree on what a valid timestamp is.
    created_at: str
    public: bool | None = None
    org: LeanOrg | None = None


class ActionPayload(LeanModel):
    """Payloads whose only flat field is ``action`` (Watch, Fork, Gollum, Public, Sponsorship...)."""

    action: str | None = None


class PushPayload(LeanModel):
    ref: str | None = None
    # size / distinct_size are absent from github.com payloads since 2025-10: they stay None.
    size: I64 | None = None
    distinct_size: I64 | None = None


class RefPayload(LeanModel):
    """CreateEvent / DeleteEvent. ``ref`` is null when a repository (not a ref) was created."""

    ref: str | None = None
    ref_type: str | None = None


class LeanNumbered(LeanModel):
    number: I64 | None = None


class LeanIssue(LeanNumbered):
    state: str | None = None


class LeanPullRequest(LeanIssue):
    # The 2025 slim pull_request keeps url/id/number/head/base only: the rest stays None.
    merged: bool | None = None
    additions: I64 | None = None
    deletions: I64 | None = None
    changed_files: I64 | None = None


class PullRequestPayload(ActionPayload):
    number: I64 | None = None
    pull_request: LeanPullRequest | None = None


class LeanRelease(LeanModel):
    tag_name: str | None = None


class LeanMember(LeanModel):
    login: str | None = None


def _action_and(name: str, field: str, model: type[LeanModel], doc: str) -> type[ActionPayload]:
    """A payload with ``action`` and one optional nested object holding its other flat fields."""
    return create_model(
        name, __base__=ActionPayload, __doc__=doc, __module__=__name__, **{field: (model | None, None)}
    )


# The payloads shaped "action + one object" (canonical.EXTRACTORS reads the object's fields).
PullRequestChildPayload = _action_and(
    "PullRequestChildPayload",
    "pull_request",
    LeanNumbered,
    "PullRequestReview / ReviewComment / ReviewThread.",
)
IssuePayload = _action_and("IssuePayload", "issue", LeanIssue, "IssuesEvent / IssueCommentEvent.")
ReleasePayload = _action_and("ReleasePayload", "release", LeanRelease, "ReleaseEvent.")
MemberPayload = _action_and("MemberPayload", "member", LeanMember, "MemberEvent.")
DiscussionPayload = _action_and(
    "DiscussionPayload", "discussion", LeanNumbered, "DiscussionEvent / DiscussionCommentEvent."
)


class UnknownPayload(LeanModel):
    """A type we do not know: any object is fine; ``action`` is used only when it is a string."""

    action: Any = None


LEAN_PAYLOADS: dict[str, type[LeanModel]] = {
    "PushEvent": PushPayload,
    "CreateEvent": RefPayload,
    "DeleteEvent": RefPayload,
    "PullRequestEvent": PullRequestPayload,
    "PullRequestReviewEvent": PullRequestChildPayload,
    "PullRequestReviewCommentEvent": PullRequestChildPayload,
    "PullRequestReviewThreadEvent": PullRequestChildPayload,
    "IssuesEvent": IssuePayload,
    "IssueCommentEvent": IssuePayload,
    "ReleaseEvent": ReleasePayload,
    "MemberEvent": MemberPayload,
    "DiscussionEvent": DiscussionPayload,
    "DiscussionCommentEvent": DiscussionPayload,
    "WatchEvent": ActionPayload,
    "ForkEvent": ActionPayload,
    "GollumEvent": ActionPayload,
    "PublicEvent": ActionPayload,
    "CommitCommentEvent": ActionPayload,
    "SponsorshipEvent": ActionPayload,
}


# --- the msgspec mirror -------------------------------------------------------------------------

_STRUCTS: dict[type[LeanModel], type[msgspec.Struct]] = {}


def _to_msgspec_type(tp: Any) -> Any:
    if tp == I64:
        return _MS_I64
    if tp in (str, bool, Any, type(None)):
        return tp
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        return Union[tuple(_to_msgspec_type(arg) for arg in get_args(tp))]  # noqa: UP007
    if isinstance(tp, type) and issubclass(tp, LeanModel):
        return to_struct(tp)
    raise TypeError(f"no msgspec mirror for {tp!r}")


def to_struct(model: type[LeanModel], overrides: dict[str, Any] | None = None) -> type[msgspec.Struct]:
    """The ``msgspec.Struct`` with the same fields, types and defaults as a lean pydantic model."""
    if not overrides and model in _STRUCTS:
        return _STRUCTS[model]
    hints = get_type_hints(model, include_extras=True)
    fields = []
    for name, info in model.model_fields.items():
        tp = (overrides or {}).get(name) or _to_msgspec_type(hints[name])
        fields.append((name, tp) if info.is_required() else (name, tp, info.default))
    # gc=False: these are short-lived trees without cycles; untracked, they cost the collector nothing.
    struct = msgspec.defstruct(f"Ms{model.__name__}", fields, kw_only=True, gc=False)
    if not overrides:
        _STRUCTS[model] = struct
    return struct


# The hot path keeps ``payload`` as raw JSON text and decodes it with the event type's struct.
MsEnvelope = to_struct(LeanEnvelope, overrides={"payload": msgspec.Raw})
ENVELOPE_DECODER = msgspec.json.Decoder(MsEnvelope)
PAYLOAD_DECODERS: dict[str, msgspec.json.Decoder] = {
    name: msgspec.json.Decoder(to_struct(model)) for name, model in LEAN_PAYLOADS.items()
}
UNKNOWN_PAYLOAD_DECODER = msgspec.json.Decoder(to_struct(UnknownPayload))


class _PayloadOnly(msgspec.Struct, gc=False):
    # Raw cannot sit in a union; an empty Raw means "no payload key".
    payload: msgspec.Raw = msgspec.Raw()


# Slow path: the payload's original text, when the bytes are JSON msgspec can read.
PAYLOAD_ONLY_DECODER = msgspec.json.Decoder(_PayloadOnly)


def lean_payload_model(event_type: str) -> type[LeanModel]:
    return LEAN_PAYLOADS.get(event_type, UnknownPayload)
