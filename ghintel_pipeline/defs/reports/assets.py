"""``reports/anomaly_report``: the Markdown/HTML report over the gold marts, written to disk."""

import base64

import dagster as dg

from ghintel_pipeline.defs.resources import LakeResource
from ghintel_pipeline.lib.reports import ReportResult, generate_report

ANOMALY_REPORT_KEY = dg.AssetKey(["reports", "anomaly_report"])
GOLD_DEPS = [dg.AssetKey(["gold", name]) for name in ("anomalies", "repo_trending", "data_coverage")]
# Charts embedded in the materialization so the UI shows them without access to the files.
EMBEDDED_CHARTS = {"anomalies_chart": "anomalies.png", "coverage_chart": "coverage.png"}


def report_metadata(result: ReportResult) -> dict[str, dg.MetadataValue | int | str]:
    metadata: dict[str, dg.MetadataValue | int | str] = dict(result.counts)
    metadata["summary"] = dg.MetadataValue.md(result.summary_markdown)
    for key, name in EMBEDDED_CHARTS.items():
        encoded = base64.b64encode(result.files[name].read_bytes()).decode("ascii")
        metadata[key] = dg.MetadataValue.md(f"![{name}](data:image/png;base64,{encoded})")
    metadata["report_dir"] = dg.MetadataValue.path(str(result.directory))
    for name, path in result.files.items():
        metadata[f"file_{name.replace('.', '_')}"] = dg.MetadataValue.path(str(path))
    if result.latest is not None:
        metadata["latest"] = dg.MetadataValue.path(str(result.latest))
    if result.as_of is not None:
        metadata["as_of"] = dg.MetadataValue.timestamp(result.as_of)
    if result.missing_marts:
        metadata["missing_marts"] = ", ".join(result.missing_marts)
    return metadata


@dg.asset(
    key=ANOMALY_REPORT_KEY,
    deps=GOLD_DEPS,
    group_name="reports",
    kinds={"python", "html"},
    description="Top anomalies with their baselines, trending repos and data coverage over time "
    "(report.md, report.html, PNG charts under $GHINTEL_HOME/reports/<timestamp>/ and latest/).",
)
def anomaly_report(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    result = generate_report(lake.settings())
    context.log.info(f"report written to {result.directory}: {result.counts}")
    return dg.MaterializeResult(metadata=report_metadata(result))
