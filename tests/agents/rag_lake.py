"""The agents' session lake with its retrieval index built (once) by the real index builder."""

from __future__ import annotations

from ghintel_agents.rag.embed import get_embedder
from ghintel_agents.rag.index import IndexReport, build_index
from tests.api.conftest import api_settings

PARAPHRASES: list[tuple[str, str]] = [
    ("what happened with kcaa/kcaa issues", "anomaly:repo:kcaa/kcaa:issues_opened:2015-01-01T01"),
    ("kcaa/kcaa issue burst anomaly", "anomaly:repo:kcaa/kcaa:issues_opened:2015-01-01T01"),
    ("unusual number of issues opened in kcaa", "anomaly:repo:kcaa/kcaa:issues_opened:2015-01-01T01"),
    ("spike of issues at 01:00 on new year's day", "anomaly:repo:kcaa/kcaa:issues_opened:2015-01-01T01"),
    ("profile of the repository kcaa/kcaa", "repo:kcaa/kcaa"),
    ("tell me about cachethq/Cachet", "repo:cachethq/Cachet"),
    ("how active is the Cachet status page repo", "repo:cachethq/Cachet"),
    ("apache/spark activity", "repo:apache/spark"),
    ("how many events did apache spark have", "repo:apache/spark"),
    ("KenanSulayman/heartbeat pushes", "repo:KenanSulayman/heartbeat"),
    ("the heartbeat repository of KenanSulayman", "repo:KenanSulayman/heartbeat"),
    ("stars of prakhar1989/awesome-courses", "repo:prakhar1989/awesome-courses"),
    ("awesome courses repo popularity", "repo:prakhar1989/awesome-courses"),
    ("sakai-mirror/melete events", "repo:sakai-mirror/melete"),
    ("the organisation apache", "org:apache"),
    ("org apache summary", "org:apache"),
    ("how many repositories does the org rust-lang have", "org:rust-lang"),
    ("rust-lang organisation activity", "org:rust-lang"),
    ("CyanogenMod org events", "org:CyanogenMod"),
    ("activity of the cloudify-cosmo organisation", "org:cloudify-cosmo"),
    ("sakai-mirror org", "org:sakai-mirror"),
    ("who is the actor KenanSulayman", "actor:KenanSulayman"),
    ("user gyuho activity", "actor:gyuho"),
    ("how many events did the account gyuho make", "actor:gyuho"),
    ("actor evanphx", "actor:evanphx"),
    ("is mirror-updates a busy account", "actor:mirror-updates"),
    ("how is the trending score computed", "metric:repo-trending"),
    ("definition of trending repositories", "metric:repo-trending"),
    ("what does the trending score mean", "metric:repo-trending"),
    ("how are anomalies detected with the robust z score", "metric:method-robust-z-median-mad-spikes"),
    ("definition of the median MAD spike method", "metric:method-robust-z-median-mad-spikes"),
    (
        "how are fake star bursts by low-activity accounts defined",
        "metric:method-low-activity-share-star-bursts-by-low-activity-accounts",
    ),
    (
        "what counts as a low activity stargazer",
        "metric:method-low-activity-share-star-bursts-by-low-activity-accounts",
    ),
    ("what does the commits metric count", "metric:counting-rules-shared-by-every-mart"),
    ("definition of prs_merged and prs_closed", "metric:counting-rules-shared-by-every-mart"),
    ("how is dim_repos defined", "metric:dim-repos-dim-actors-dim-orgs"),
    ("what columns does fct_repo_activity_hourly have", "metric:fct-repo-activity-hourly"),
    ("data coverage of hour 2015-01-01T00", "coverage:2015-01-01T00:gharchive"),
    ("was the 2015-01-01T01 hour complete", "coverage:2015-01-01T01:gharchive"),
    ("coverage of the gharchive source at 2015-01-01T01:00", "coverage:2015-01-01T01:gharchive"),
    ("is star coverage ok for hour 2015-01-01T00", "coverage:2015-01-01T00:gharchive"),
    ("trending 1h rank of cachethq/Cachet", "trending:1h:2015-01-01T01:cachethq/Cachet"),
    (
        "where does prakhar1989/awesome-courses rank in the 24h trending",
        "trending:24h:2015-01-01T01:prakhar1989/awesome-courses",
    ),
]


def build_rag(home) -> IndexReport:
    settings = api_settings(home)
    return build_index(settings, get_embedder(settings))
