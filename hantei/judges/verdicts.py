"""A judge's rules, as pure functions of its spec: scores -> score, verdict, sensitivity."""


def noisy_or(spec, regions):
    """Noisy-OR of the regions: 1 - Π(1 - weight(label) × confidence); 0 when nothing weighs.

    Regions under their label's display threshold are likely mistakes: they do not count."""
    clear = 1.0
    for region in regions:
        if spec.shown(region):
            clear *= 1.0 - spec.weights.get(region.label, 0.0) * region.score
    return 1.0 - clear


def band(spec, score):
    """The text of the first band whose bound lies above the score."""
    return next(b.text for b in spec.bands if score < b.below)


def number_text(spec, value):
    """A number judge's answer as words: 27歳 · 27 years old."""
    shown = f"{value:.{spec.decimals}f}"
    shown = shown.lstrip("-") if float(shown) == 0 else shown  # never "-0歳"
    return {"ja": f"{shown}{spec.unit['ja']}", "en": f"{shown} {spec.unit['en']}".strip()}


def look(spec, score):
    """How a verdict is drawn, kept with each result so that a later edit of the judge changes no old page: its
    band's colour and comment (score judges), and the name its reading goes by."""
    drawn = {"unit": spec.unit} if spec.kind == "number" else {}
    if spec.kind in ("score", "number") and spec.bands:
        here = next(b for b in spec.bands if score < b.below)
        drawn.update({"color": here.color} if here.color else {})
        drawn.update({"comment": here.comment} if here.comment else {})
    if spec.score_name:
        drawn["reading"] = spec.score_name
    if spec.pick:
        drawn["pick"] = spec.pick
    return drawn


def heads(spec, score, other):
    """Whether a region scoring `score` heads a group photo before one scoring `other` (the manifest's order)."""
    return score < other if spec.order == "lowest" else score > other


def tags(spec, scores):
    """The tags whose score passes each tag's own threshold, highest first (tags judges)."""
    passing = [tag for tag, score in scores.items() if score >= spec.thresholds.get(tag, spec.threshold)]
    return sorted(passing, key=lambda tag: -scores[tag])


def headline(spec, scores):
    """The score and verdict that a classifier's {label: score} make under the judge's rules."""
    if spec.kind == "score":
        score = scores[spec.score_label]
        return score, band(spec, score)
    if spec.kind == "number":
        value = scores[spec.score_label]
        return value, number_text(spec, value)
    if spec.kind == "tags":
        found = tags(spec, scores)
        if not found:
            return max(scores.values()), spec.no_match
        joined = {lang: ("、" if lang == "ja" else ", ").join(spec.names[tag][lang] for tag in found)
                  for lang in ("ja", "en")}
        return scores[found[0]], joined
    best = max(scores, key=scores.get)
    return scores[best], (spec.names[best] if scores[best] >= spec.threshold else spec.no_match)


def sensitive(spec, score, scores):
    """Whether a result must be blurred on public pages: over sensitive_above, or a label over its own bound."""
    given = tags(spec, scores) if spec.sensitive_tags else ()
    return score > spec.sensitive_above or any(tag in given for tag in spec.sensitive_tags) or any(
        scores.get(label, 0.0) > bound for label, bound in spec.sensitive_labels.items()
    )


def ranked(scores):
    """{label: score} as a list, highest first, rounded for storage and JSON."""
    order = sorted(scores.items(), key=lambda kv: -kv[1])
    return [{"label": label, "score": round(score, 4)} for label, score in order]
