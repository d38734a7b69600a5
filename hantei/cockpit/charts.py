"""Bar charts drawn on the server as SVG (no script); the same numbers are always shown as a table beside them."""

from markupsafe import Markup, escape

WIDTH, BAR, GAP, LABEL = 320, 16, 6, 110


def bars(rows, title, shown=str):
    """A horizontal bar chart of (name, count) rows, scaled to the largest count; shown(name) labels each bar."""
    numbers = [(str(shown(name)), value) for name, value in rows if isinstance(value, (int, float))]
    top = max([value for _, value in numbers] + [1])
    height = len(numbers) * (BAR + GAP) + GAP
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">']
    for n, (name, value) in enumerate(numbers):
        y = GAP + n * (BAR + GAP)
        length = round((WIDTH - LABEL - 40) * value / top)
        parts.append(f'<text x="{LABEL - 4}" y="{y + BAR - 4}" text-anchor="end">{escape(name[:16])}</text>'
                     f'<rect class="chart-bar" x="{LABEL}" y="{y}" width="{length}" height="{BAR}"/>'
                     f'<text x="{LABEL + length + 4}" y="{y + BAR - 4}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
