"""``gold/anomaly_investigations`` (the monitor's output) and ``reports/agent_digest`` (the reporter)."""

import dagster as dg

from ghintel_pipeline.defs.resources import LakeResource

INVESTIGATIONS_KEY = dg.AssetKey(["gold", "anomaly_investigations"])
DIGEST_KEY = dg.AssetKey(["reports", "agent_digest"])


class InvestigationConfig(dg.Config):
    anomaly_ids: list[str] = []


@dg.asset(
    key=INVESTIGATIONS_KEY,
    deps=[dg.AssetKey(["gold", "anomalies"])],
    group_name="agents",
    kinds={"python", "delta"},
    description="One row per investigated anomaly: the anomaly-investigator's cited, verified report "
    "(StarScout-style signals with strengths, never a verdict). Written by the monitor sensor's runs.",
)
def anomaly_investigations(
    context: dg.AssetExecutionContext, config: InvestigationConfig, lake: LakeResource
) -> dg.MaterializeResult:
    from ghintel_agents.core.client import api_client
    from ghintel_agents.core.llm import chat_model
    from ghintel_agents.monitor import investigate
    from ghintel_agents.tools import ApiTools

    settings = lake.settings()
    with api_client(settings) as client:
        reports, version = investigate(
            settings, config.anomaly_ids, ApiTools(client), model=chat_model(settings)
        )
    context.log.info(f"investigated {len(reports)} anomalies")
    return dg.MaterializeResult(
        metadata={
            "investigated": len(reports),
            "verified": sum(1 for r in reports if r["verified"]),
            "rejected_findings": sum(len(r["rejected"]) for r in reports),
            "anomaly_ids": ", ".join(config.anomaly_ids),
            "delta_version": version if version is not None else -1,
        }
    )


@dg.asset(
    key=DIGEST_KEY,
    deps=[INVESTIGATIONS_KEY, *(dg.AssetKey(["gold", n]) for n in ("repo_trending", "data_coverage"))],
    group_name="agents",
    kinds={"python", "html"},
    description="The reporter agent's digest of a window (trending, anomalies with their "
    "investigations, coverage) as digest.md / digest.html under $GHINTEL_HOME/reports/digests/.",
)
def agent_digest(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    from ghintel_agents.core.client import api_client
    from ghintel_agents.core.llm import chat_model
    from ghintel_agents.reporter.digest import render_markdown, write_digest
    from ghintel_agents.run import make_target, run_agent
    from ghintel_agents.tools import ApiTools

    settings = lake.settings()
    target = make_target("reporter", window=settings.ghintel_digest_window)
    with api_client(settings) as client:
        report = run_agent("reporter", target, ApiTools(client), model=chat_model(settings))
    files = write_digest(report, settings)
    return dg.MaterializeResult(
        metadata={
            "findings": len(report["findings"]),
            "rejected": len(report["rejected"]),
            "digest": dg.MetadataValue.md(render_markdown(report)),
            **{name.replace(".", "_"): dg.MetadataValue.path(str(p)) for name, p in files.items()},
        }
    )
