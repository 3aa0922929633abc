"""Server-side SVG charts for the dashboard: plain functions from numbers to markup, no ORM.

Rendering on the server keeps the console free of JavaScript and of any asset to download:
the page works offline, prints, and shows the same figures the API returns. Every label is
escaped; a chart of nothing says so instead of drawing empty axes.
"""

from html import escape

WIDTH = 560
HEIGHT = 220
PADDING = 36
PALETTE = ["#2f6fb0", "#e0803a", "#3c9a5f", "#b8453c", "#7d5ba6", "#8c6d46", "#d16aa8", "#6b6b6b"]


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:,}"


def _svg(body: str, title: str, height: int = HEIGHT) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'class="console-chart" width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f"{body}</svg>"
    )


def _empty(title: str, message: str) -> str:
    return _svg(
        f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#777">{escape(message)}</text>',
        title,
    )


def column_chart(*, title: str, labels: list[str], values: list, empty: str) -> str:
    """Vertical bars, one per label (months, levels); values may be None (drawn as nothing)."""
    numbers = [value or 0 for value in values]
    if not numbers or max(numbers) <= 0:
        return _empty(title, empty)
    top = max(numbers)
    plot_width = WIDTH - 2 * PADDING
    plot_height = HEIGHT - 2 * PADDING
    step = plot_width / len(numbers)
    bar = step * 0.7
    parts = [
        f'<line x1="{PADDING}" y1="{HEIGHT - PADDING}" x2="{WIDTH - PADDING}" y2="{HEIGHT - PADDING}" stroke="#999"/>'
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = (value or 0) / top * plot_height
        x = PADDING + index * step + (step - bar) / 2
        y = HEIGHT - PADDING - height
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" fill="{PALETTE[0]}">'
            f"<title>{escape(str(label))}: {escape(_number(value))}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="11">{escape(_number(value))}</text>'
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{HEIGHT - PADDING + 14}" text-anchor="middle" font-size="10">'
            f"{escape(str(label))}</text>"
        )
    return _svg("".join(parts), title)


def bar_chart(*, title: str, items: list[tuple[str, object]], empty: str) -> str:
    """Horizontal bars with their labels: a funnel, top categories, a breakdown."""
    numbers = [value or 0 for _label, value in items]
    if not numbers or max(numbers) <= 0:
        return _empty(title, empty)
    top = max(numbers)
    row = 26
    height = PADDING + row * len(items)
    label_width = 170
    plot_width = WIDTH - label_width - PADDING - 40
    parts = []
    for index, (label, value) in enumerate(items):
        y = PADDING / 2 + index * row
        width = (value or 0) / top * plot_width
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end" font-size="12">{escape(str(label))}</text>'
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{width:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(str(label))}: {escape(_number(value))}</title></rect>'
            f'<text x="{label_width + width + 6:.1f}" y="{y + 15}" font-size="12">{escape(_number(value))}</text>'
        )
    return _svg("".join(parts), title, height=height)


def line_chart(*, title: str, labels: list[str], values: list, empty: str, percent: bool = False) -> str:
    """A line over the months (utilisation, averages); None values break the line."""
    numbers = [value for value in values if value is not None]
    if not numbers or max(numbers) <= 0:
        return _empty(title, empty)
    top = max(numbers)
    plot_width = WIDTH - 2 * PADDING
    plot_height = HEIGHT - 2 * PADDING
    step = plot_width / max(1, len(values) - 1)
    points = []
    parts = [
        f'<line x1="{PADDING}" y1="{HEIGHT - PADDING}" x2="{WIDTH - PADDING}" y2="{HEIGHT - PADDING}" stroke="#999"/>'
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = PADDING + index * step
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - PADDING + 14}" text-anchor="middle" font-size="10">{escape(str(label))}</text>'
        )
        if value is None:
            continue
        y = HEIGHT - PADDING - value / top * plot_height
        points.append(f"{x:.1f},{y:.1f}")
        shown = f"{value * 100:.1f}%" if percent else _number(value)
        parts.append(
            f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE[1]}">'
            f"<title>{escape(str(label))}: {escape(shown)}</title></circle>"
            f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" font-size="10">{escape(shown)}</text>'
        )
    parts.insert(
        1, f'<polyline fill="none" stroke="{PALETTE[1]}" stroke-width="2" points="{" ".join(points)}"/>'
    )
    return _svg("".join(parts), title)
