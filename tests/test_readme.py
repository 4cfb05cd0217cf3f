"""What the README and the docs pages promise a reader: every Python snippet of the README runs
as written, in a fresh interpreter, and every relative link of the README and docs/ leads to a
file that exists."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
README = os.path.join(ROOT, "README.md")
PAGES = [README] + sorted(os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs"))
                          if f.endswith(".md"))


def snippets():
    text = open(README).read()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("code", snippets(), ids=lambda c: c.strip().splitlines()[-1][:40])
def test_every_readme_snippet_runs_as_written(code, tmp_path):
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]


def test_the_readme_has_snippets_and_stays_short():
    assert len(snippets()) >= 2
    assert len(open(README).read().splitlines()) <= 300


@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_every_relative_link_leads_somewhere(page):
    text = open(page).read()
    missing = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        path = os.path.normpath(os.path.join(os.path.dirname(page), target.split("#")[0]))
        if not os.path.exists(path):
            missing.append(target)
    assert missing == [], f"{os.path.basename(page)} links to missing files: {missing}"


def test_the_keras_suite_table_counts_what_is_ported():
    """Each row of the README's Keras-suite table names as many ported tests as the file holds."""
    import pathlib
    import re
    suite = pathlib.Path(__file__).parent / "keras_suite"
    text = pathlib.Path(README).read_text()
    rows = re.findall(r"^\| `layers/\w+/([\w, `.]+)` \| ([\d of,]+) \|", text, re.M)
    assert len(rows) >= 8
    for files, counts in rows:
        names = [n.strip(" `") for n in files.split(",")]
        ported = [int(m) for m in re.findall(r"(\d+) of", counts)]
        for name, n in zip(names, ported):
            path = suite / name
            held = len(re.findall(r"^    def test_", path.read_text(), re.M)) if path.exists() else 0
            assert held == n, f"{name}: the README says {n} ported, the file holds {held}"
