"""Judge versions: reports exported, a candidate trained on the original folder plus them, compared on the admin
page and activated; every result keeps the version and verdict it was judged with."""

import ast
import io
import json
import tomllib
from pathlib import Path

from hantei.cockpit import versions
from tests import training_photos

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def test_admin_never_imports_flask_web_or_cli():
    for path in (ROOT / "hantei" / "admin").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [f"{'.' * node.level}{node.module or ''}"] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(("flask", "..web", "..cli", "hantei.web", "hantei.cli")), (path, name)


def test_train_a_candidate_with_reports_compare_and_activate(make_app, tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    settings = {"DATA_DIR": tmp_path / "data", "MODELS_DIR": models, "DEFAULT_JUDGE": "kinds"}
    app = make_app(**settings)
    runner = app.test_cli_runner()
    root = training_photos.build(tmp_path / "kinds", {"train": 6, "val": 3, "test": 3})
    assert runner.invoke(args=["train", str(root), "--name", "kinds"]).exit_code == 0
    assert tomllib.loads((models / "kinds" / "judge.toml").read_text())["version"] == "1"

    client = app.test_client()
    photo = (root / "test" / "illust" / "000.png").read_bytes()
    answer = client.post("/judge", data={"image": (io.BytesIO(photo), "a.png")})
    result_id = answer.headers["Location"].rsplit("/", 1)[1]
    before = app.extensions["hantei.store"].get(result_id)
    assert before.judgement.version == "1"
    judged = before.judgement.labels[0]["label"]
    right = next(label for label in ("photo", "illust", "screenshot") if label != judged)
    assert client.post(f"/r/{result_id}/report", data={"answer": right, "consent": "1"}).status_code == 303

    assert runner.invoke(args=["admin", "set-password"], input=f"{PASSWORD}\n{PASSWORD}\n").exit_code == 0
    admin = app.test_client()
    admin.post("/admin/login", data={"password": PASSWORD})
    assert admin.post(f"/admin/reports/{result_id}", data={"decision": "accept", "label": right}).status_code == 303
    exported = tmp_path / "exported"
    assert "wrote 1 photo" in runner.invoke(args=["reports", "export", str(exported)]).output

    trained = runner.invoke(args=["train", str(root), "--name", "kinds", "--add", str(exported), "--candidate"])
    assert trained.exit_code == 0, trained.output
    candidate = versions.candidate(models, "kinds")
    assert candidate.version == "2" and candidate.sha256 != versions.describe(models / "kinds").sha256
    card = (candidate.folder / "CARD.md").read_text()
    assert "1 reported photos added to train" in card
    metrics = [json.loads((folder / "metrics.json").read_text()) for folder in (models / "kinds", candidate.folder)]
    assert metrics[0]["test_photos"] == metrics[1]["test_photos"] and metrics[0]["test_photos"]  # measured alike
    assert metrics[1]["counts"]["train"][right] == metrics[0]["counts"]["train"][right] + 1
    page = admin.get("/admin/judges")
    assert page.status_code == 200 and 'data-version="1"' in page.text and 'data-version="2"' in page.text
    assert page.text.count("model card") >= 2

    activated = runner.invoke(args=["judges", "activate", "kinds"])
    assert activated.exit_code == 0 and "version 2" in activated.output, activated.output
    assert versions.describe(models / "kinds").version == "2" and versions.candidate(models, "kinds") is None
    assert list((models / ".retired").iterdir())[0].name.startswith("kinds-1-")
    assert runner.invoke(args=["judges", "activate", "kinds"]).exit_code == 1  # nothing waiting any more

    served = make_app(**settings)  # the servers reloaded
    after = served.extensions["hantei.store"].get(result_id)
    assert after.judgement.version == "1" and after.judgement.verdict == before.judgement.verdict
    again = served.test_client().post("/judge", data={"image": (io.BytesIO(photo), "a.png")})
    fresh = served.extensions["hantei.store"].get(again.headers["Location"].rsplit("/", 1)[1])
    assert fresh.judgement.version == "2"
