"""Full pydantic models of the payload of every event type in GitHub's "GitHub event types" page.

These document the shapes and validate fixtures; the hot path does not use them (see lean.py).
Sources: github/docs ``content/rest/using-the-rest-api/github-event-types.md`` and its
``data/reusables/webhooks/*_properties.md``. Two eras must both pass:

- 2015 GH Archive shapes (full objects, PushEvent with ``size``/``distinct_size``/``commits``);
- the 2025 trimmed shapes (since 2025-10-07 on github.com): PushEvent keeps only
  ``repository_id, push_id, ref, head, before``; ``pull_request`` keeps ``url, id, number, head,
  base`` — hence almost every field is optional.

Unknown fields are kept (``extra="allow"``): GitHub adds fields without notice and that must not
fail validation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class GitHubObject(BaseModel):
    model_config = ConfigDict(extra="allow")


class GitHubUser(GitHubObject):
    id: int | None = None
    login: str | None = None
    node_id: str | None = None
    type: str | None = None
    site_admin: bool | None = None
    gravatar_id: str | None = None
    avatar_url: str | None = None
    url: str | None = None
    html_url: str | None = None


class GitHubRepository(GitHubObject):
    id: int
    name: str | None = None
    full_name: str | None = None
    owner: GitHubUser | None = None
    private: bool | None = None
    fork: bool | None = None
    description: str | None = None
    language: str | None = None
    default_branch: str | None = None
    stargazers_count: int | None = None
    forks_count: int | None = None
    created_at: str | None = None
    pushed_at: str | None = None
    url: str | None = None
    html_url: str | None = None


class GitHubLabel(GitHubObject):
    id: int | None = None
    name: str | None = None
    color: str | None = None


class _Written(GitHubObject):
    """What a user writes (comment, review, issue, pull request, discussion) has in common."""

    id: int | None = None
    user: GitHubUser | None = None
    body: str | None = None
    html_url: str | None = None


class _Post(_Written):
    created_at: str | None = None
    updated_at: str | None = None


class _Thread(_Post):
    """An issue, pull request or discussion: numbered, titled, with a state and a comment count."""

    number: int | None = None
    title: str | None = None
    state: str | None = None
    comments: int | None = None


class GitHubIssue(_Thread):
    labels: list[GitHubLabel] | None = None
    assignee: GitHubUser | None = None
    closed_at: str | None = None
    pull_request: dict[str, Any] | None = None
    url: str | None = None


class GitHubComment(_Post):
    """Issue, commit or review comment; the review-only keys are None elsewhere."""

    url: str | None = None
    commit_id: str | None = None
    path: str | None = None
    position: int | None = None
    line: int | None = None
    diff_hunk: str | None = None
    pull_request_review_id: int | None = None
    in_reply_to_id: int | None = None


class GitHubBranchRef(GitHubObject):
    ref: str | None = None
    sha: str | None = None
    label: str | None = None
    # The 2025 slim shape has {id, url, name}; the full one a whole repository object.
    repo: dict[str, Any] | None = None
    user: GitHubUser | None = None


class GitHubPullRequest(_Thread):
    # The 2025 slim shape keeps url, id, number, head and base only: the rest is absent from it.
    id: int
    number: int
    url: str | None = None
    node_id: str | None = None
    head: GitHubBranchRef | None = None
    base: GitHubBranchRef | None = None
    draft: bool | None = None
    merged: bool | None = None
    merged_at: str | None = None
    merge_commit_sha: str | None = None
    merged_by: GitHubUser | None = None
    review_comments: int | None = None
    commits: int | None = None
    additions: int | None = None
    deletions: int | None = None
    changed_files: int | None = None
    closed_at: str | None = None


class GitHubReview(_Written):
    state: str | None = None
    commit_id: str | None = None
    submitted_at: str | None = None


class GitHubReviewThread(GitHubObject):
    node_id: str | None = None
    comments: list[GitHubComment] | None = None


class GitHubRelease(GitHubObject):
    id: int | None = None
    tag_name: str | None = None
    name: str | None = None
    target_commitish: str | None = None
    draft: bool | None = None
    prerelease: bool | None = None
    author: GitHubUser | None = None
    body: str | None = None
    assets: list[dict[str, Any]] | None = None
    created_at: str | None = None
    published_at: str | None = None
    html_url: str | None = None


class GitHubDiscussion(_Thread):
    category: dict[str, Any] | None = None
    answer_html_url: str | None = None


class GollumPage(GitHubObject):
    page_name: str | None = None
    title: str | None = None
    action: str | None = None
    sha: str | None = None
    html_url: str | None = None
    summary: str | None = None


class CommitAuthor(GitHubObject):
    name: str | None = None
    email: str | None = None


class PushCommit(GitHubObject):
    sha: str
    message: str | None = None
    author: CommitAuthor | None = None
    url: str | None = None
    distinct: bool | None = None


# --- payloads, one per event type -----------------------------------------------------------------


class EventPayload(GitHubObject):
    """Base of every payload; ``changes`` carries the previous values on ``edited`` actions."""

    action: str | None = None
    changes: dict[str, Any] | None = None


class CommitCommentEventPayload(EventPayload):
    comment: GitHubComment


class CreateEventPayload(EventPayload):
    ref: str | None = None  # null when the repository itself was created
    ref_type: str
    master_branch: str | None = None
    description: str | None = None
    pusher_type: str | None = None


class DeleteEventPayload(EventPayload):
    ref: str
    ref_type: str
    pusher_type: str | None = None


class DiscussionEventPayload(EventPayload):
    discussion: GitHubDiscussion


class DiscussionCommentEventPayload(EventPayload):
    """Not on the Events API page (only the webhook has it); modelled in case the feed sends it."""

    discussion: GitHubDiscussion | None = None
    comment: GitHubComment | None = None


class ForkEventPayload(EventPayload):
    forkee: GitHubRepository


class GollumEventPayload(EventPayload):
    pages: list[GollumPage]


class IssueCommentEventPayload(EventPayload):
    issue: GitHubIssue
    comment: GitHubComment


class IssuesEventPayload(EventPayload):
    issue: GitHubIssue
    assignee: GitHubUser | None = None
    label: GitHubLabel | None = None


class MemberEventPayload(EventPayload):
    member: GitHubUser


class PublicEventPayload(EventPayload):
    """GitHub documents an empty object."""


class PullRequestEventPayload(EventPayload):
    number: int | None = None
    pull_request: GitHubPullRequest
    reason: str | None = None
    assignee: GitHubUser | None = None
    assignees: list[GitHubUser] | None = None
    label: GitHubLabel | None = None
    labels: list[GitHubLabel] | None = None


class PullRequestReviewEventPayload(EventPayload):
    pull_request: GitHubPullRequest
    review: GitHubReview


class PullRequestReviewCommentEventPayload(EventPayload):
    pull_request: GitHubPullRequest
    comment: GitHubComment


class PullRequestReviewThreadEventPayload(EventPayload):
    pull_request: GitHubPullRequest
    thread: GitHubReviewThread


class PushEventPayload(EventPayload):
    repository_id: int | None = None  # added by GitHub in 2024
    push_id: int | None = None
    ref: str
    head: str
    before: str
    # Gone from github.com since 2025-10 (documented as GitHub Enterprise Server only).
    size: int | None = None
    distinct_size: int | None = None
    commits: list[PushCommit] | None = None


class ReleaseEventPayload(EventPayload):
    release: GitHubRelease


class SponsorshipEventPayload(EventPayload):
    sponsorship: dict[str, Any] | None = None
    effective_date: str | None = None


class WatchEventPayload(EventPayload):
    """``action`` is always "started": a star, despite the name."""


class UnknownEventPayload(GitHubObject):
    """A type not on GitHub's page (retired ones, or new ones): any object."""


PAYLOAD_MODELS: dict[str, type[GitHubObject]] = {
    "CommitCommentEvent": CommitCommentEventPayload,
    "CreateEvent": CreateEventPayload,
    "DeleteEvent": DeleteEventPayload,
    "DiscussionEvent": DiscussionEventPayload,
    "DiscussionCommentEvent": DiscussionCommentEventPayload,
    "ForkEvent": ForkEventPayload,
    "GollumEvent": GollumEventPayload,
    "IssueCommentEvent": IssueCommentEventPayload,
    "IssuesEvent": IssuesEventPayload,
    "MemberEvent": MemberEventPayload,
    "PublicEvent": PublicEventPayload,
    "PullRequestEvent": PullRequestEventPayload,
    "PullRequestReviewEvent": PullRequestReviewEventPayload,
    "PullRequestReviewCommentEvent": PullRequestReviewCommentEventPayload,
    "PullRequestReviewThreadEvent": PullRequestReviewThreadEventPayload,
    "PushEvent": PushEventPayload,
    "ReleaseEvent": ReleaseEventPayload,
    "SponsorshipEvent": SponsorshipEventPayload,
    "WatchEvent": WatchEventPayload,
}

# The types on GitHub's "GitHub event types" page (union of the versions checked, see docs).
DOCUMENTED_EVENT_TYPES = tuple(name for name in PAYLOAD_MODELS if name != "DiscussionCommentEvent")


def payload_model_for(event_type: str) -> type[GitHubObject]:
    return PAYLOAD_MODELS.get(event_type, UnknownEventPayload)
