"""Model-card figures drawn with Pillow (no matplotlib on the server): the confusion matrix and the ROC curves."""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Label names may be Japanese: use a CJK font when the system has one, else Pillow's own (Latin only).
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
)
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]


def font(size):
    for path in CJK_FONTS:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def confusion_png(report, path):
    """Rows are true labels, columns predicted labels and "no match"; darker cells hold more photos."""
    rows, columns = report.labels, [*report.labels, "no match"]
    small, big = font(18), font(22)
    measure = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    left = 40 + max(measure.textlength(label, font=small) for label in rows)
    cell = max(90, 16 + max(measure.textlength(label, font=small) for label in columns))
    top = 110
    image = Image.new("RGB", (int(left + cell * len(columns) + 30), int(top + cell * len(rows) + 60)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((left, 15), "predicted", font=big, fill="black")
    draw.text((10, top - 35), "true", font=big, fill="black")
    for i, row in enumerate(report.confusion):
        total = max(int(row.sum()), 1)
        draw.text((10, top + i * cell + cell / 2), rows[i], font=small, fill="black", anchor="lm")
        for j, count in enumerate(row):
            share = count / total
            box = (left + j * cell, top + i * cell, left + (j + 1) * cell, top + (i + 1) * cell)
            fill = (255 - 215 * share, 255 - 125 * share, 255 - 215 * share) if i == j else \
                (255 - 60 * share, 255 - 200 * share, 255 - 200 * share)  # right: green; wrong: red
            draw.rectangle(box, fill=tuple(int(v) for v in fill), outline="#888")
            draw.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), str(int(count)), font=big,
                      fill="white" if share > 0.6 else "black", anchor="mm")
    for j, column in enumerate(columns):
        draw.text((left + j * cell + cell / 2, top - 12), column, font=small, fill="black", anchor="ms")
    draw.text((10, image.height - 35), f"accuracy {report.accuracy:.3f}  ({int(report.confusion.sum())} photos)",
              font=small, fill="black")
    image.save(path, optimize=True)


def roc_png(report, path, size=480):
    """One ROC curve per label (one label against the rest), the chance diagonal, and each AUC in the legend."""
    small = font(16)
    margin, legend = 60, 24 * len(report.labels) + 20
    image = Image.new("RGB", (size + 2 * margin, size + 2 * margin + legend), "white")
    draw = ImageDraw.Draw(image)
    x0, y0 = margin, margin + size

    def point(fpr, tpr):
        return x0 + fpr * size, y0 - tpr * size

    for tick in range(0, 11, 2):
        value = tick / 10
        draw.line([point(value, 0), point(value, 1)], fill="#eee")
        draw.line([point(0, value), point(1, value)], fill="#eee")
        draw.text((point(value, 0)[0], y0 + 8), f"{value:.1f}", font=small, fill="black", anchor="mt")
        draw.text((x0 - 8, point(0, value)[1]), f"{value:.1f}", font=small, fill="black", anchor="rm")
    draw.rectangle([point(0, 1), point(1, 0)], outline="black")
    draw.line([point(0, 0), point(1, 1)], fill="#999", width=1)
    draw.text((x0 + size / 2, y0 + 32), "false positive rate", font=small, fill="black", anchor="mt")
    draw.text((x0, margin - 30), "true positive rate", font=small, fill="black", anchor="lb")
    for k, (label, (fpr, tpr), auc) in enumerate(zip(report.labels, report.roc, report.auc)):
        colour = COLOURS[k % len(COLOURS)]
        draw.line([point(f, t) for f, t in zip(fpr, tpr)], fill=colour, width=3)
        y = y0 + 60 + 24 * k
        draw.line([(x0, y), (x0 + 30, y)], fill=colour, width=3)
        text = f"{label}  AUC {auc:.3f}" if auc is not None else f"{label}  AUC n/a"
        draw.text((x0 + 40, y), text, font=small, fill="black", anchor="lm")
    image.save(path, optimize=True)
