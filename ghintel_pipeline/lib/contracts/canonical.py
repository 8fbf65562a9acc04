"""The flat event of silver: ``CanonicalGitHubEvent`` (what the event says) and
``EnrichedGitHubEventV1`` (plus what we derive from it: category, bot flag, time parts).

``build_event`` turns a decoded lean envelope + lean payload into an ``EnrichedGitHubEventV1``. It
only reads attributes, so it serves both the msgspec structs of the fast path and the pydantic
models of the slow path, and both paths produce the same event for the same record.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ghintel_pipeline.lib.contracts.quarantine import ContractViolation

SCHEMA_VERSION = 1

Category = Literal[
    "code_change",
    "branch",
    "pull_request",
    "review",
    "issue",
    "comment",
    "star",
    "fork",
    "release",
    "membership",
    "wiki",
    "visibility",
    "discussion",
    "other",
]

CATEGORY_BY_TYPE: dict[str, str] = {
    "PushEvent": "code_change",
    "CreateEvent": "branch",
    "DeleteEvent": "branch",
    "PullRequestEvent": "pull_request",
    "PullRequestReviewEvent": "review",
    "PullRequestReviewCommentEvent": "review",
    "PullRequestReviewThreadEvent": "review",
    "IssuesEvent": "issue",
    "IssueCommentEvent": "comment",
    "CommitCommentEvent": "comment",
    "WatchEvent": "star",
    "ForkEvent": "fork",
    "ReleaseEvent": "release",
    "MemberEvent": "membership",
    "GollumEvent": "wiki",
    "PublicEvent": "visibility",
    "DiscussionEvent": "discussion",
    "DiscussionCommentEvent": "discussion",
    # SponsorshipEvent and any type not listed here: "other".
}


def category_of(event_type: str) -> str:
    return CATEGORY_BY_TYPE.get(event_type, "other")


# --- bots -----------------------------------------------------------------------------------------

KNOWN_BOT_LOGINS = frozenset(
    {
        "dependabot",
        "dependabot-preview",
        "renovate",
        "renovate-bot",
        "renovatebot",
        "github-actions",
        "greenkeeper",
        "greenkeeperio-bot",
        "snyk-bot",
        "imgbot",
        "allcontributors",
        "pre-commit-ci",
        "mergify",
        "codecov",
        "codecov-io",
        "coveralls",
        "houndci",
        "hubot",
        "travis-ci",
        "netlify",
        "vercel",
        "sonarcloud",
        "stale",
        "web-flow",
    }
)
# Suffixes checked case-insensitively; "bot" alone is too loose ("abbot", "shawnbot").
_BOT_SUFFIXES = ("[bot]", "-bot", "_bot", ".bot", "-robot", "_robot")
# CamelCase "...Bot" (BrewTestBot, CocoaPodsBot): a lower-case letter or digit before "Bot".
_CAMEL_BOT = re.compile(r"[a-z0-9]Bot$")


# A word of a service account's name, between separators (or the ends): mirror-updates, cm-gerrit,
# automatic-frog, sipwise-jenkins, fusesource-ci, s2m-updater. "bot"/"robot" are left to the
# suffix rules ("robot-dreams" is a person); "travis" is a first name.
_SERVICE_WORD = re.compile(
    r"(?:^|[-_.])(?:mirrors?|automatic|auto|autobuild|gerrit|jenkins|ci|builder|updater|updates|sync|deployer?)"
    r"(?:$|[-_.]|\d+$)",
    re.IGNORECASE,
)


def is_bot_login(login: str) -> bool:
    """The documented bot rule (docs/contract.md): a heuristic, GitHub marks only App accounts."""
    lower = login.lower()
    return (
        lower.endswith(_BOT_SUFFIXES)
        or lower in KNOWN_BOT_LOGINS
        or bool(_CAMEL_BOT.search(login))
        or bool(_SERVICE_WORD.search(login))
    )


# --- the models -----------------------------------------------------------------------------------


class CanonicalGitHubEvent(BaseModel):
    """What the event itself says, flattened: envelope fields plus the payload fields we keep."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(pattern=r"^[0-9]+$", description="GitHub's decimal event id.")
    event_type: str
    action: str | None = None
    actor_id: int
    actor_login: str
    repo_id: int
    repo_name: str = Field(description='"owner/name"')
    org_id: int | None = None
    org_login: str | None = None
    created_at: AwareDatetime
    ref: str | None = None
    ref_type: str | None = None
    number: int | None = Field(default=None, description="Issue, pull request or discussion number.")
    commit_count: int | None = Field(default=None, description="PushEvent size; NULL when absent.")
    distinct_commit_count: int | None = None
    additions: int | None = None
    deletions: int | None = None
    changed_files: int | None = None
    merged: bool | None = Field(default=None, description="PullRequestEvent pull_request.merged.")
    pr_action: str | None = Field(default=None, description="PullRequestEvent action; closed+merged=merged.")
    issue_state: str | None = None
    release_tag: str | None = None
    member_login: str | None = None
    is_public: bool | None = None
    source: str
    schema_version: Literal[1] = SCHEMA_VERSION
    payload_json: str = Field(description="The payload object as JSON text.")


class EnrichedGitHubEventV1(CanonicalGitHubEvent):
    """The silver row: the canonical event plus values derived from it by fixed rules."""

    category: Category
    is_bot: bool
    repo_owner: str
    event_hour: AwareDatetime = Field(description="created_at truncated to the hour (UTC).")
    event_date: date = Field(description="UTC date of created_at; silver's partition column.")
    hour_of_day: int = Field(ge=0, le=23)
    day_of_week: int = Field(ge=1, le=7, description="ISO: 1 = Monday .. 7 = Sunday.")


_FIELD_NAMES = tuple(EnrichedGitHubEventV1.model_fields)
_TEMPLATE: dict[str, Any] = dict.fromkeys(_FIELD_NAMES)
_TEMPLATE["schema_version"] = SCHEMA_VERSION
# Every instance has every field set, and pydantic only ever adds names to this set (it copies it
# in model_copy), so one shared set is safe and saves building one per event.
_ALL_FIELDS_SET = set(_FIELD_NAMES)
_object_setattr = object.__setattr__


def _construct(values: dict[str, Any]) -> EnrichedGitHubEventV1:
    """An instance from values the contract has already checked, without validating them again.

    Same effect as ``model_construct`` (which sets exactly these attributes) at a fraction of its
    cost; ``values`` must hold every field. Tests re-validate built events to keep this honest.
    """
    event = EnrichedGitHubEventV1.__new__(EnrichedGitHubEventV1)
    _object_setattr(event, "__dict__", values)
    _object_setattr(event, "__pydantic_fields_set__", _ALL_FIELDS_SET)
    _object_setattr(event, "__pydantic_extra__", None)
    _object_setattr(event, "__pydantic_private__", None)
    return event


# --- building an event from decoded lean parts ----------------------------------------------------

# Records arrive mostly in time order, with many per second and per actor: cache the derived parts.
_CACHE_LIMIT = 16_384
_time_cache: dict[str, tuple[datetime, datetime, date, int, int]] = {}
_bot_cache: dict[str, bool] = {}


def time_parts(created_at: str) -> tuple[datetime, datetime, date, int, int]:
    parts = _time_cache.get(created_at)
    if parts is None:
        try:
            ts = datetime.fromisoformat(created_at)
            # A timestamp without offset is taken as UTC, which is what GitHub means by "Z".
            ts = ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)
        except (ValueError, OverflowError):  # OverflowError: an offset pushing year 1 below range
            raise ContractViolation(
                "wrong_type", f"created_at: not an ISO 8601 timestamp: {created_at[:40]!r}"
            ) from None
        parts = (ts, ts.replace(minute=0, second=0, microsecond=0), ts.date(), ts.hour, ts.isoweekday())
        if len(_time_cache) >= _CACHE_LIMIT:
            _time_cache.clear()
        _time_cache[created_at] = parts
    return parts


def is_bot_cached(login: str) -> bool:
    flag = _bot_cache.get(login)
    if flag is None:
        flag = is_bot_login(login)
        if len(_bot_cache) >= _CACHE_LIMIT:
            _bot_cache.clear()
        _bot_cache[login] = flag
    return flag


# The payload fields of the flat event, in this order, as every extractor below returns them.
PAYLOAD_FIELDS = (
    "action",
    "ref",
    "ref_type",
    "number",
    "commit_count",
    "distinct_commit_count",
    "additions",
    "deletions",
    "changed_files",
    "merged",
    "pr_action",
    "issue_state",
    "release_tag",
    "member_login",
)
PayloadValues = tuple[Any, ...]  # one value per PAYLOAD_FIELDS name


def _x_action_if_text(p: Any) -> PayloadValues:
    # Payloads with only ``action`` (Watch, Fork, ...) and unknown types, whose action may be anything.
    action = p.action if isinstance(p.action, str) else None
    return (action, None, None, None, None, None, None, None, None, None, None, None, None, None)


def _x_push(p: Any) -> PayloadValues:
    return (None, p.ref, None, None, p.size, p.distinct_size, None, None, None, None, None, None, None, None)


def _x_ref(p: Any) -> PayloadValues:
    return (None, p.ref, p.ref_type, None, None, None, None, None, None, None, None, None, None, None)


def _x_pull_request(p: Any) -> PayloadValues:
    action = p.action
    number = p.number
    merged = additions = deletions = changed_files = None
    pr = p.pull_request
    if pr is not None:
        if number is None:
            number = pr.number
        merged, additions, deletions, changed_files = pr.merged, pr.additions, pr.deletions, pr.changed_files
    pr_action = "merged" if action == "closed" and merged else action
    return (
        action,
        None,
        None,
        number,
        None,
        None,
        additions,
        deletions,
        changed_files,
        merged,
        pr_action,
        None,
        None,
        None,
    )


def _x_numbered(p: Any, child: Any) -> PayloadValues:
    number = child.number if child is not None else None
    return (p.action, None, None, number, None, None, None, None, None, None, None, None, None, None)


def _x_pull_request_child(p: Any) -> PayloadValues:
    return _x_numbered(p, p.pull_request)


def _x_discussion(p: Any) -> PayloadValues:
    return _x_numbered(p, p.discussion)


def _x_issue(p: Any) -> PayloadValues:
    issue = p.issue
    number, state = (issue.number, issue.state) if issue is not None else (None, None)
    return (p.action, None, None, number, None, None, None, None, None, None, None, state, None, None)


def _x_release(p: Any) -> PayloadValues:
    tag = p.release.tag_name if p.release is not None else None
    return (p.action, None, None, None, None, None, None, None, None, None, None, None, tag, None)


def _x_member(p: Any) -> PayloadValues:
    login = p.member.login if p.member is not None else None
    return (p.action, None, None, None, None, None, None, None, None, None, None, None, None, login)


EXTRACTORS = {
    "PushEvent": _x_push,
    "CreateEvent": _x_ref,
    "DeleteEvent": _x_ref,
    "PullRequestEvent": _x_pull_request,
    "PullRequestReviewEvent": _x_pull_request_child,
    "PullRequestReviewCommentEvent": _x_pull_request_child,
    "PullRequestReviewThreadEvent": _x_pull_request_child,
    "IssuesEvent": _x_issue,
    "IssueCommentEvent": _x_issue,
    "ReleaseEvent": _x_release,
    "MemberEvent": _x_member,
    "DiscussionEvent": _x_discussion,
    "DiscussionCommentEvent": _x_discussion,
}


def payload_values(event_type: str, payload: Any) -> PayloadValues:
    """The PAYLOAD_FIELDS values of a decoded lean payload (msgspec struct or pydantic model)."""
    return EXTRACTORS.get(event_type, _x_action_if_text)(payload)


def event_id_text(event_id: str | int) -> str:
    """The id as decimal text; a negative number or a non-decimal string breaks the contract."""
    if type(event_id) is int:
        if event_id < 0:
            raise ContractViolation("wrong_type", f"id: must not be negative: {event_id}")
        return str(event_id)
    if not (event_id.isascii() and event_id.isdigit()):
        raise ContractViolation("wrong_type", f"id: not a decimal id: {event_id[:40]!r}")
    return event_id


def build_event(env: Any, payload: Any, payload_json: str, source: str) -> EnrichedGitHubEventV1:
    """The enriched event from a decoded lean envelope and lean payload (see module docstring)."""
    event_id = event_id_text(env.id)
    event_type = env.type
    created_at, event_hour, event_date, hour_of_day, day_of_week = time_parts(env.created_at)
    actor_login = env.actor.login
    repo_name = env.repo.name
    org = env.org
    values = _TEMPLATE.copy()  # every field, in order; copying beats a 34-key literal 4x
    values["event_id"] = event_id
    values["event_type"] = event_type
    values["actor_id"] = env.actor.id
    values["actor_login"] = actor_login
    values["repo_id"] = env.repo.id
    values["repo_name"] = repo_name
    if org is not None:
        values["org_id"] = org.id
        values["org_login"] = org.login
    values["created_at"] = created_at
    values["is_public"] = env.public
    values["source"] = source
    values["payload_json"] = payload_json
    values["category"] = CATEGORY_BY_TYPE.get(event_type, "other")
    values["is_bot"] = is_bot_cached(actor_login)
    values["repo_owner"] = repo_name.partition("/")[0]
    values["event_hour"] = event_hour
    values["event_date"] = event_date
    values["hour_of_day"] = hour_of_day
    values["day_of_week"] = day_of_week
    values.update(zip(PAYLOAD_FIELDS, payload_values(event_type, payload), strict=True))
    return _construct(values)
