"""The explorer page in a real browser (Debian's chromium, headless; .ci/run installs it), opened
from disk with the network off: it renders without errors, shows the coloured text, heatmaps and
charts; clicking a heatmap row recolours the text; selecting a span lists units. The page does
these by itself when opened at #selftest (page.js) and writes what happened into the page, which
the browser's --dump-dom hands back. Screenshots are checked for being more than a blank page."""
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

import lstm_np as keras
from lstm_np import layers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OFFLINE = ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--no-proxy-server=false"]


def chromium(*args, timeout=120):
    if CHROMIUM is None:
        pytest.fail("the browser tests need Debian's chromium (apt-get install chromium; .ci/run installs it)")
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           "--no-first-run", "--disable-extensions", "--virtual-time-budget=15000", *OFFLINE, *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def selftest(path):
    dom = chromium("--dump-dom", f"file://{path}#selftest").stdout
    found = re.search(r'<pre id="selftest-result">([^<]*)</pre>', dom)
    assert found and found.group(1), f"the page wrote no self-test result; its DOM begins {dom[:300]!r}"
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages")
    chars = list("ab [c]\n'")
    model = keras.Sequential([keras.Input((None,), dtype="int32"), layers.Embedding(len(chars), 4, seed=0),
                              layers.Bidirectional(layers.LSTM(6, return_sequences=True, seed=1)),
                              layers.GRU(5, return_sequences=True, seed=2),
                              layers.Dense(len(chars), activation="softmax", seed=3)])
    text = "ab [cab] 'a b'\nba [c]\n" * 3
    char_page = keras.explain(model, text, vocabulary=chars,
                              dataset=["ab [c] 'a'\n", "[cab] [cab]"]).save(str(out / "chars.html"))
    s2s = keras.models.Seq2Seq(12, 10, 8, 8, attention="bahdanau", bidirectional_encoder=True, seed=0)
    s2s_page = keras.explain(s2s, np.array([3, 4, 5, 6, 7]), source_vocabulary=[f"s{i}" for i in range(12)],
                             target_vocabulary=[f"t{i}" for i in range(10)]).save(str(out / "s2s.html"))
    return {"chars": char_page, "seq2seq": s2s_page, "dir": out}


@pytest.mark.parametrize("which", ["chars", "seq2seq"])
def test_the_page_renders_and_answers_a_click_and_a_span(pages, which):
    result = selftest(pages[which])
    assert result["errors"] == []
    assert result["tokens"] > 0 and result["heatmaps"] >= 2 and result["svgs"] >= 1
    assert result["recoloured"], "clicking a heatmap row did not recolour the text"
    assert result["unit_after_click"] >= 1
    assert result["units_listed"] > 0, "selecting a span listed no units"
    if which == "chars":
        assert result["dataset_matches"] > 0, "the pattern was not found in the data set"


def test_screenshots_show_a_page_not_a_blank(pages):
    import matplotlib.image as mpimg
    for which in ("chars", "seq2seq"):
        png = pages["dir"] / f"{which}.png"
        chromium("--hide-scrollbars", "--window-size=1300,2000", f"--screenshot={png}", f"file://{pages[which]}")
        img = mpimg.imread(png)[..., :3]
        assert img.shape[0] >= 1000 and img.shape[1] >= 1000
        not_white = np.mean(np.any(img < 0.92, axis=-1))
        colours = len(np.unique((img[::4, ::4] * 15).round().reshape(-1, 3), axis=0))
        assert not_white > 0.08 and colours > 40, f"{which}: {not_white:.2%} non-white, {colours} colours"
