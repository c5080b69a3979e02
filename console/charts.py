"""The dashboard's outcomes per day as a stacked bar chart, laid out here and drawn as SVG by
the template: one bar per day, one segment per outcome in the outcome's colour, its count
written inside when it fits and the day's total after the bar, so nothing needs hovering."""
from collections import Counter
from dataclasses import dataclass

# The viewBox is a phone's width, so a unit is about a pixel there (the CSS caps it on a
# desktop): the day's name on the left, the total on the right, the bars between.
WIDTH = 360
LABEL = 68
TOTAL = 36
ROW = 22
BAR = 16
DIGIT = 7    # a digit's width at the chart's font size


@dataclass(frozen=True)
class Segment:
    outcome: str
    count: int
    x: float
    width: float

    @property
    def labelled(self):
        """Whether the count fits inside the segment (otherwise the table beside says it)."""
        return self.width >= DIGIT * len(str(self.count)) + 4

    @property
    def middle(self):
        return self.x + self.width / 2


@dataclass(frozen=True)
class Bar:
    day: object
    total: int
    y: float
    end: float
    segments: tuple


@dataclass(frozen=True)
class Chart:
    bars: tuple
    totals: Counter       # outcome → count over the days shown
    outcomes: tuple       # the outcomes that occur, in the legend's order
    height: float
    width: int = WIDTH
    row: int = ROW
    bar: int = BAR
    label: int = LABEL


def stacked(per_day, order):
    """The chart of `per_day` ([(day, Counter of outcomes)]), outcomes stacked in `order`; the
    busiest day's bar spans the whole width, the others in proportion."""
    peak = max([sum(counts.values()) for _day, counts in per_day] + [1])
    span = WIDTH - LABEL - TOTAL
    bars = []
    for row, (day, counts) in enumerate(per_day):
        x, segments = float(LABEL), []
        for outcome in order:
            if counts.get(outcome):
                width = counts[outcome] / peak * span
                segments.append(Segment(outcome, counts[outcome], round(x, 2), round(width, 2)))
                x += width
        bars.append(Bar(day, sum(counts.values()), row * ROW, round(x, 2), tuple(segments)))
    totals = sum((counts for _day, counts in per_day), Counter())
    return Chart(tuple(bars), totals, tuple(o for o in order if totals.get(o)),
                 height=len(bars) * ROW)
