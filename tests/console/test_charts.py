"""The outcomes-per-day chart's layout: stacked in the outcomes' order, in proportion to the
busiest day, a count written only where it fits."""
from collections import Counter
from datetime import date

from console.charts import LABEL, ROW, TOTAL, WIDTH, stacked

ORDER = ["confirmed", "promised", "no_answer"]
SPAN = WIDTH - LABEL - TOTAL


def test_the_busiest_day_spans_the_width_and_the_others_their_share():
    chart = stacked([(date(2026, 11, 23), Counter(promised=1, confirmed=1)),
                     (date(2026, 11, 24), Counter(confirmed=2, no_answer=2)),
                     (date(2026, 11, 25), Counter())], ORDER)
    first, busiest, empty = chart.bars
    assert [(s.outcome, s.x, s.width) for s in first.segments] == [
        ("confirmed", LABEL, SPAN / 4), ("promised", LABEL + SPAN / 4, SPAN / 4)]
    assert busiest.end == LABEL + SPAN and busiest.total == 4 and busiest.y == ROW
    assert empty.segments == () and empty.end == LABEL and empty.total == 0
    assert chart.outcomes == ("confirmed", "promised", "no_answer")
    assert chart.totals == Counter(confirmed=3, promised=1, no_answer=2)
    assert chart.height == 3 * ROW


def test_a_count_is_written_inside_its_segment_only_where_it_fits():
    chart = stacked([(date(2026, 11, 24), Counter(confirmed=500, promised=1))], ORDER)
    wide, narrow = chart.bars[0].segments
    assert wide.labelled and not narrow.labelled
    assert chart.outcomes == ("confirmed", "promised")       # the legend: what occurs
