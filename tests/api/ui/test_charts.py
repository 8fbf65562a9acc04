"""The server-rendered SVG charts: text alternatives, escaping, geometry that follows the numbers."""

from __future__ import annotations

import re

from ghintel_api.ui.charts import line_chart, stacked_bars, versus


def test_line_chart_has_a_text_alternative_and_escapes_labels():
    labels = ["<script>", "b", "c"]
    svg = line_chart("c", "Events <b>", labels, {"events": [1, 4, 2]}, baseline=2.0, band=(1, 3))
    assert 'role="img"' in svg and 'aria-labelledby="c-t c-d"' in svg
    assert '<title id="c-t">Events &lt;b&gt;</title>' in svg
    assert "3 points from &lt;script&gt; to c; maximum 4. Baseline 2." in svg
    assert "<script>" not in svg
    assert 'class="baseline"' in svg and 'class="band"' in svg


def test_line_chart_points_scale_to_the_maximum():
    svg = line_chart("c", "t", ["a", "b"], {"x": [0, 10]})
    (points,) = re.findall(r'<polyline points="([^"]+)"', svg)
    (x0, y0), (x1, y1) = (tuple(map(float, p.split(","))) for p in points.split())
    assert x1 > x0 and y1 < y0  # the larger value is drawn higher
    top = re.search(r'class="tick" text-anchor="end">10<', svg)
    assert top, "the axis is labelled with the maximum"


def test_stacked_bars_split_each_total_into_its_parts():
    svg = stacked_bars("s", "score", ["r1", "r2"], {"stars": [3.0, 1.0], "forks": [1.0, None]})
    widths = [float(w) for w in re.findall(r'<rect x="[\d.]+" y="\d+" width="([\d.]+)" height="16"', svg)]
    assert len(widths) == 4
    assert abs(widths[0] / widths[1] - 3.0) < 0.01  # stars vs forks of r1
    assert abs((widths[0] + widths[1]) / (widths[2] + widths[3]) - 4.0) < 0.01  # totals 4 vs 1
    assert ">4.00<" in svg and ">1.00<" in svg


def test_empty_charts_say_so():
    assert '<desc id="e-d">No data.</desc>' in line_chart("e", "t", [], {"x": []})
    assert "No data." in stacked_bars("e", "t", [], {"x": []})


def test_versus_draws_observed_against_baseline():
    svg = versus(64.0, 16.0)
    assert 'aria-label="observed 64 against baseline 16"' in svg
    assert re.findall(r'width="([\d.]+)" height="6"', svg) == ["120.0", "30.0"]
