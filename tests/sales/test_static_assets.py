"""The sales and draws stylesheets parse: a stray `}` makes the browser drop the rules after it
(it once hid the contrast fix of the countdown on the red "Anular" button)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static" / "css"


@pytest.mark.parametrize("name", ["sales.css", "draws.css"])
def test_stylesheet_braces_balance(name):
    text = re.sub(r"/\*.*?\*/", "", (STATIC / name).read_text(encoding="utf-8"), flags=re.S)
    text = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", "", text)  # braces inside strings do not count
    depth = 0
    for lineno, line in enumerate(text.splitlines(), 1):
        for ch in line:
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, f"{name}:{lineno}: '}}' without its '{{'"
    assert depth == 0, f"{name}: {depth} unclosed '{{'"
