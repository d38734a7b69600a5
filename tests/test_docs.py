"""docs/ and the CHANGELOG beside the README: these tests keep every document true to the code and to each other."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DOCUMENTS = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.glob("*.md"))]
MANUAL = [path for path in DOCUMENTS if path.name != "CHANGELOG.md"]  # the present tense; history is the CHANGELOG's


def read(path):
    return path.read_text(encoding="utf-8")


def section(text, heading):
    """The text under a markdown heading, up to the next heading of the same or a higher level."""
    level = re.match(r"#+", heading).group()
    body = text.split(heading + "\n", 1)[1]
    return re.split(rf"^#{{1,{len(level)}}} ", body, maxsplit=1, flags=re.M)[0]


def first_column(table_text):
    """The backquoted names in the first column of a section's tables."""
    return {name for cell in re.findall(r"^\| ([^|]+) \|", table_text, re.M) for name in re.findall(r"`([^`]+)`", cell)}


def prose(text):
    """A document without its code blocks and code spans: what a reader reads as words."""
    return re.sub(r"`[^`\n]*`", "", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S))


def slug(heading):
    """The anchor GitHub gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text):
    seen, found = {}, set()
    for heading in re.findall(r"^#+ (.+)$", re.sub(r"^```.*?^```", "", text, flags=re.M | re.S), re.M):
        base = slug(heading)
        found.add(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return found


# -- docs/judges.md: the manifest reference ----------------------------------------------------------------------

JUDGES = read(DOCS / "judges.md")


def test_the_manifest_example_serves_as_a_judge(tmp_path):
    """docs/judges.md's judge.toml, dropped into a folder with a model of its signature, loads as it says."""
    from hantei.judges import open_judge
    from tests.onnx_models import linear_classifier

    example = re.search(r"```toml\n(.*?)```", JUDGES, re.S).group(1)
    linear_classifier(tmp_path / "model.onnx", [1, 3, 224, 224], outputs=3, activation=None)
    (tmp_path / "judge.toml").write_text(example, encoding="utf-8")
    judge = open_judge(tmp_path)
    assert judge.kind == "labels" and judge.detector.name == "face" and judge.spec.threshold == 0.5
    assert judge.classifier.preprocess.fit == "shorter-side" and judge.names["serval"]["ja"] == "サーバル"


def test_every_manifest_setting_has_its_row():
    """Each table of the reference lists exactly the keys the manifest reader takes there."""
    from hantei.judges import manifest
    from hantei.vision.classifiers import INPUT_KEYS

    reference = section(JUDGES, "## Every setting")
    tables = {
        "### Top level": set(manifest.TOP_KEYS),
        "### `[model]`": set(manifest.SECTION_KEYS["model"]),
        "### `[model.input]`": set(INPUT_KEYS),
        "### `[model.output]`": {"labels", "activation"},
        "### `[detect]`": set(manifest.SECTION_KEYS["detect"]),
        "### `[score]`": set(manifest.SECTION_KEYS["score"]),
        "### `[gallery]`": set(manifest.SECTION_KEYS["gallery"]),
    }
    for heading, keys in tables.items():
        assert first_column(section(reference, heading)) == keys, heading
    verdict, bands = section(reference, "### `[verdict]`").split("Each band of `bands`:")
    assert first_column(verdict) == set(manifest.SECTION_KEYS["verdict"])
    assert first_column(bands) == set(manifest.BAND_KEYS)


def test_the_reference_names_every_choice_and_default():
    """Detectors, kinds, fits, filters, layouts, colours, dtypes and activations as the code has them."""
    from hantei.judges.manifest import KINDS, NO_FACE, NO_MATCH
    from hantei.vision import classifiers
    from hantei.vision.detectors import DETECTORS

    reference = section(JUDGES, "## Every setting")
    rows = {}
    for name, row in re.findall(r"^\| `([a-z_]+)`(?:, `[a-z_]+`)* \|(.*)$", reference, re.M):
        rows.setdefault(name, row)  # a band's `color` comes after [model.input]'s
    choices = {"detector": DETECTORS, "kind": KINDS, "fit": classifiers.FITS, "resample": classifiers.FILTERS,
               "layout": classifiers.LAYOUTS, "color": classifiers.COLORS, "dtype": classifiers.DTYPES,
               "activation": classifiers.ACTIVATIONS}
    for key, values in choices.items():
        assert set(values) <= set(re.findall(r"`([\w-]+)`", rows[key])), key
    for text in (NO_FACE, NO_MATCH):
        assert f"{text['ja']} / {text['en']}" in reference


def test_display_thresholds_match_the_manifest():
    manifest = tomllib.loads(read(ROOT / "models" / "keshikaran" / "judge.toml"))
    table = section(JUDGES, "## けしからん判定 (`keshikaran`)")
    rows = re.findall(r"^\| (?:any label \(`(\*)`\)|`([A-Z_]+)`) \| ([0-9.]+) \|$", table, re.M)
    assert {star or label: float(value) for star, label, value in rows} == manifest["verdict"]["display"]


def test_the_calibration_figures_are_the_calibration_set():
    images = tomllib.loads(read(ROOT / "bench" / "calibration" / "keshikaran-sfw.toml"))["image"]
    for split in ("calibrate", "heldout"):
        judged = [image for image in images if image["split"] == split]
        wholesome = sum(image["verdict"] == "健全" for image in judged)
        for document in (JUDGES, read(ROOT / "README.md")):
            assert f"{wholesome} of {len(judged)}" in document, split


# -- docs/architecture.md: the map of the house --------------------------------------------------------------------

def test_the_map_names_every_module_tool_and_benchmark():
    built = read(DOCS / "architecture.md").split("```", 2)[1]
    package = ROOT / "hantei"
    modules = [path for path in package.rglob("*.py") if "migrations" not in path.parts and path.name != "__init__.py"]
    modules += [path for path in package.iterdir() if (path / "__init__.py").exists()]
    missing = [str(path.relative_to(package)) for path in modules if path.name not in built]
    missing += [path.name for path in (ROOT / "tools").glob("*.py") if path.name not in built]
    missing += [f"bench/{path.name}" for path in (ROOT / "bench").glob("*.py")
                if path.name != "__init__.py" and path.name not in built]
    assert missing == []


# -- docs/performance.md: today's figures are the latest bench run's -----------------------------------------------

def test_performance_figures_are_the_latest_bench_summary():
    """make bench writes bench/results/summary.md; docs/performance.md quotes its first line and two tables."""
    summary = read(ROOT / "bench" / "results" / "summary.md")
    figures = section(read(DOCS / "performance.md"), "## Today's figures")
    measured = re.search(r"^Measured .*$", summary, re.M).group()
    tables = re.findall(r"(?:^\|.*\|\n)+", summary, re.M)[:2]
    assert measured in figures
    for table in tables:
        assert table in figures


def test_bench_writes_results_not_documents():
    run = read(ROOT / "bench" / "run.py")
    assert "README" not in run.replace("never a document", "") and "bench:start" not in read(ROOT / "README.md")
    assert re.search(r'bench" / "results" / "summary\.md"\)\.write_text', run)


# -- every document --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_every_relative_link_resolves(document):
    """Links and images to files in the repository exist, and links to headings name a heading there."""
    text = re.sub(r"^```.*?^```", "", read(document), flags=re.M | re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (document.parent / path).resolve() if path else document
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(read(file))):
            broken.append(target)
    assert broken == []


def test_every_document_is_linked_from_the_readme():
    readme = read(ROOT / "README.md")
    for path in [ROOT / "CHANGELOG.md", *DOCS.glob("*.md")]:
        assert f"]({path.relative_to(ROOT)})" in readme, path.name


@pytest.mark.parametrize("document", MANUAL, ids=lambda path: path.name)
def test_one_word_per_meaning_and_the_present_tense(document):
    """The operator runs the instance and the cockpit is /admin; rounds of work belong in the CHANGELOG."""
    words = prose(read(document))
    assert re.findall(r"(?<![/\w-])admins?\b(?![/\w-])", words, re.I) == []
    assert re.findall(r"\b(?:this|last|that|next) round\b|\bround before\b|\bthe run before\b", words, re.I) == []
    assert re.findall(r"\b(?:photos?|uploads?) not kept\b|\bno photo kept\b", words, re.I) == []


def test_every_address_is_documented(tmp_path):
    """Every URL rule the app answers (but static files) is named in the README or docs/."""
    from hantei import create_app
    from tests.helpers import TEST_SETTINGS

    app = create_app({**TEST_SETTINGS, "DATA_DIR": tmp_path, "DATABASE_URL": f"sqlite:///{tmp_path / 'hantei.db'}"})
    rules = {re.sub(r"<[^>]*>", "<>", rule.rule) for rule in app.url_map.iter_rules()
             if rule.endpoint != "static" and not rule.rule.startswith("/bootstrap/")}
    named = set()
    for document in MANUAL:
        for span in re.findall(r"`([^`\n]+)`", read(document)):
            named.update(re.findall(r"(?<![\w.])(/[^\s?,]*)", re.sub(r"<[^>]*>", "<>", span)))
    assert sorted(rules - named) == [], sorted(rules - named)
