"""Small SVG bar charts for the grading report (no scripts, no external files)."""

from __future__ import annotations

from html import escape

FONT = "font-family='system-ui,sans-serif' font-size='11'"


def bar_chart(title: str, bars: list[tuple[str, float]], maximum: float, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), scaled to ``maximum``."""
    label_width = max((len(label) for label, _ in bars), default=4) * 6.5 + 10
    width, row = 520, 18
    plot = width - label_width - 60
    height = len(bars) * row + 30
    body = [f"<text x='0' y='13' {FONT} font-weight='bold'>{escape(title)}</text>"]
    for k, (label, value) in enumerate(bars):
        y = 22 + k * row
        length = 0 if maximum <= 0 else max(0.0, min(1.0, value / maximum)) * plot
        shown = f"{value:.0%}" if unit == "%" else f"{value:g}"
        body.append(f"<text x='{label_width - 6:.0f}' y='{y + 12}' text-anchor='end' {FONT}>{escape(label)}</text>")
        body.append(f"<rect x='{label_width:.0f}' y='{y + 2}' width='{length:.1f}' height='{row - 5}' fill='#2a5db0'/>")
        body.append(f"<text x='{label_width + length + 4:.1f}' y='{y + 12}' {FONT}>{escape(shown)}</text>")
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' viewBox='0 0 {width} {height}'"
        f" role='img'><title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def histogram(title: str, percents: list[float], bins: int = 10) -> str:
    counts = [0] * bins
    for p in percents:
        counts[min(int(p / (100 / bins)), bins - 1)] += 1
    labels = [f"{k * 100 // bins}–{(k + 1) * 100 // bins}%" for k in range(bins)]
    return bar_chart(title, list(zip(labels, map(float, counts), strict=True)), max([*counts, 1]))
