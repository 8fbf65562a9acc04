"""Full pydantic model of the GitHub event envelope (Events API and GH Archive since 2015).

For documentation, fixtures and ad-hoc parsing; the pipeline's hot path uses lean.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import field_validator

from ghintel_pipeline.lib.contracts.payloads import GitHubObject, GitHubUser, payload_model_for


class EventAccount(GitHubUser):
    """A user or organisation as the envelope refers to it: a user reference whose id and login
    are always there."""

    id: int
    login: str


class EventActor(EventAccount):
    display_login: str | None = None  # added by GitHub after 2015


class EventOrg(EventAccount):
    """An organisation: the same reference as an actor's, without ``display_login``."""


class EventRepo(GitHubObject):
    id: int
    name: str  # "owner/name"
    url: str | None = None


class GitHubEvent(GitHubObject):
    """One event as GitHub sends it. ``org`` appears only when the repo belongs to one."""

    id: str
    type: str
    actor: EventActor
    repo: EventRepo
    payload: dict[str, Any]
    public: bool | None = None
    created_at: datetime
    org: EventOrg | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # Documented as an integer, sent as a decimal string: keep the string form.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    def typed_payload(self) -> GitHubObject:
        """The payload validated with its type's full model (UnknownEventPayload for others)."""
        return payload_model_for(self.type).model_validate(self.payload)


def parse_github_event(raw: bytes | str) -> tuple[GitHubEvent, GitHubObject]:
    """Parse one event with the full models; raises pydantic.ValidationError when it does not fit."""
    event = GitHubEvent.model_validate_json(raw)
    return event, event.typed_payload()
