"""Small inline-SVG charts for the HTML report: no plotting library, no network, text stays selectable."""

from __future__ import annotations

from html import escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def hbars(items: list[tuple[str, float]], width: int = 640, bar: int = 20, color: str = PALETTE[0],
          fmt: str = "{:,.0f}") -> str:
    """Horizontal bars, one per (label, value), the value printed at the end of each bar."""
    if not items:
        return "<p class='empty'>nothing to show</p>"
    label_w = min(260, 12 + 7 * max(len(str(k)) for k, _ in items))
    top = max(float(v) for _, v in items) or 1.0
    span = width - label_w - 70
    h = len(items) * (bar + 6) + 6
    rows = []
    for i, (k, v) in enumerate(items):
        y = 6 + i * (bar + 6)
        w = max(1.0, span * float(v) / top)
        rows.append(f"<text x='{label_w - 6}' y='{y + bar * 0.72:.1f}' text-anchor='end'>{escape(str(k))}</text>"
                    f"<rect x='{label_w}' y='{y}' width='{w:.1f}' height='{bar}' fill='{color}'/>"
                    f"<text x='{label_w + w + 4:.1f}' y='{y + bar * 0.72:.1f}'>{escape(fmt.format(v))}</text>")
    return f"<svg class='chart' width='{width}' height='{h}' role='img' xmlns='http://www.w3.org/2000/svg'>{''.join(rows)}</svg>"


def funnel(stages: list[tuple[str, float]], width: int = 640) -> str:
    """A funnel: a label column, centred bars shrinking stage by stage, count and share of the first stage."""
    if not stages:
        return "<p class='empty'>nothing to show</p>"
    top = max(float(v) for _, v in stages) or 1.0
    bar, gap, label_w, value_w = 26, 6, 170, 110
    span = width - label_w - value_w
    rows = []
    for i, (k, v) in enumerate(stages):
        w = max(2.0, span * float(v) / top)
        x = label_w + (span - w) / 2
        y = i * (bar + gap)
        share = f" ({100 * float(v) / float(stages[0][1]):.0f}%)" if stages[0][1] else ""
        rows.append(f"<text x='{label_w - 8}' y='{y + 18}' text-anchor='end'>{escape(k)}</text>"
                    f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{bar}' rx='4' fill='{PALETTE[i % len(PALETTE)]}'/>"
                    f"<text x='{label_w + span + 8}' y='{y + 18}'>{v:,.0f}{share}</text>")
    h = len(stages) * (bar + gap)
    return f"<svg class='chart' width='{width}' height='{h}' role='img' xmlns='http://www.w3.org/2000/svg'>{''.join(rows)}</svg>"


def lines(series: dict[str, list[tuple[float, float]]], width: int = 640, height: int = 260,
          xlabel: str = "", ylabel: str = "", ymin: float | None = None, ymax: float | None = None) -> str:
    """Line chart of several named (x, y) series with axes, ticks and a legend."""
    pts = [p for s in series.values() for p in s if p[1] == p[1]]
    if not pts:
        return "<p class='empty'>nothing to show</p>"
    x0, x1 = min(p[0] for p in pts), max(p[0] for p in pts)
    y0 = min(p[1] for p in pts) if ymin is None else ymin
    y1 = max(p[1] for p in pts) if ymax is None else ymax
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1
    left, right, top, bottom = 56, 150, 12, 40
    pw, ph = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + pw * (x - x0) / (x1 - x0)

    def sy(y: float) -> float:
        return top + ph * (1 - (y - y0) / (y1 - y0))

    out = [f"<line x1='{left}' y1='{top + ph}' x2='{left + pw}' y2='{top + ph}' stroke='#333'/>",
           f"<line x1='{left}' y1='{top}' x2='{left}' y2='{top + ph}' stroke='#333'/>"]
    for k in range(5):
        yv = y0 + (y1 - y0) * k / 4
        out.append(f"<text x='{left - 4}' y='{sy(yv) + 4:.1f}' text-anchor='end' class='tick'>{yv:.3g}</text>"
                   f"<line x1='{left}' y1='{sy(yv):.1f}' x2='{left + pw}' y2='{sy(yv):.1f}' stroke='#eee'/>")
        xv = x0 + (x1 - x0) * k / 4
        out.append(f"<text x='{sx(xv):.1f}' y='{top + ph + 16}' text-anchor='middle' class='tick'>{xv:.3g}</text>")
    out.append(f"<text x='{left + pw / 2}' y='{height - 4}' text-anchor='middle'>{escape(xlabel)}</text>")
    out.append(f"<text x='12' y='{top + ph / 2}' transform='rotate(-90 12 {top + ph / 2})' text-anchor='middle'>"
               f"{escape(ylabel)}</text>")
    for i, (name, s) in enumerate(series.items()):
        color = PALETTE[i % len(PALETTE)]
        good = [(x, y) for x, y in s if y == y]
        if good:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in good)
            out.append(f"<polyline points='{path}' fill='none' stroke='{color}' stroke-width='2'/>")
            out.extend(f"<circle cx='{sx(x):.1f}' cy='{sy(y):.1f}' r='2.5' fill='{color}'/>" for x, y in good)
        ly = top + 14 + 18 * i
        out.append(f"<rect x='{left + pw + 12}' y='{ly - 9}' width='12' height='12' fill='{color}'/>"
                   f"<text x='{left + pw + 30}' y='{ly + 1}'>{escape(name)}</text>")
    return f"<svg class='chart' width='{width}' height='{height}' role='img' xmlns='http://www.w3.org/2000/svg'>{''.join(out)}</svg>"


def roc_curve(y: list[int], score: list[float]) -> list[tuple[float, float]]:
    """(false positive rate, true positive rate) points of a ROC curve, ties handled as one step."""
    pairs = sorted(zip(score, y, strict=True), key=lambda t: -t[0])
    pos = sum(1 for v in y if v == 1)
    neg = len(y) - pos
    if not pos or not neg:
        return []
    tp = fp = 0
    pts = [(0.0, 0.0)]
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            tp += pairs[j][1] == 1
            fp += pairs[j][1] != 1
            j += 1
        pts.append((fp / neg, tp / pos))
        i = j
    return pts
