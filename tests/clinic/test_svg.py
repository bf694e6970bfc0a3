"""The server-drawn charts: geometry only (the markup is in the templates)."""

from clinic.svg import bar_chart, line_chart


def test_a_line_chart_places_scores_from_0_at_the_bottom_to_10_at_the_top():
    chart = line_chart(["1", "2", "3"], [("Tone", "line-tone", [0, None, 10])])
    (line,) = chart.lines
    low, high = line.points  # the missing score is left out, not drawn as 0
    assert low.y == chart.bottom and high.y < low.y
    assert low.x < high.x and high.x == chart.right
    assert line.path == f"{low.x:.1f},{low.y:.1f} {high.x:.1f},{high.y:.1f}"
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10"]


def test_one_session_sits_in_the_middle():
    chart = line_chart(["1"], [("Tone", "line-tone", [4])])
    assert chart.lines[0].points[0].x == chart.left + (chart.right - chart.left) / 2


def test_bars_scale_to_the_maximum_and_long_labels_are_cut():
    chart = bar_chart([("A" * 40, 50.0, "50 %"), ("B", 150.0, "150 %")])
    half, full = chart.bars
    assert half.width * 2 == full.width == chart.track_width
    assert half.label.endswith("…") and len(half.label) == 30
