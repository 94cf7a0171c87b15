"""The documentation stays true to the code: the CLI reference is what the generator writes now, the README
stays short, and every relative link (and in-repo anchor) resolves. Fast: nothing is searched or scored."""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_LIMIT = 8000  # characters


def _generator():
    spec = importlib.util.spec_from_file_location("gen_cli_reference", DOCS / "gen_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated() -> str:
    return _generator().render()


def _pages() -> list[Path]:
    return [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted(DOCS.rglob("*.md"))]


def test_cli_reference_is_generated_from_the_current_commands(generated):
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == generated, "docs/cli.md is out of date: run `python docs/gen_cli_reference.py`"


def test_every_command_and_option_has_help_text(generated):
    gen = _generator()
    assert gen.MISSING_HELP not in generated, "an option or command has no help text: add help= in zeronas/cli"


def test_the_generator_is_deterministic(generated):
    assert _generator().render() == generated


def test_every_command_has_a_reference_section_and_a_guide(generated):
    group = _generator()._click_group()
    guide = (DOCS / "commands.md").read_text(encoding="utf-8")
    for name in group.commands:
        assert f"## zeronas {name}\n" in generated
        assert f"zeronas {name}" in guide, f"docs/commands.md does not describe zeronas {name}"
    for topic in ("--images", "--export", "## zeronas export"):
        assert topic in guide


def test_readme_is_short():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text) <= README_LIMIT, f"README.md has {len(text)} characters, the limit is {README_LIMIT}"


def test_readme_keeps_the_two_quick_start_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install -e . && zeronas search --space nats-tss --dataset cifar10 --budget 300 --seed 0" in text
    assert "pip install -e '.[test]' && python -m pytest" in text


_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def _without_code(text: str) -> str:
    return _CODE.sub("", _FENCE.sub("", text))


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered."""
    seen: dict[str, int] = {}
    anchors = set()
    for heading in _HEADING.findall(_FENCE.sub("", page.read_text(encoding="utf-8"))):
        slug = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        anchors.add(slug if n == 0 else f"{slug}-{n}")
    return anchors


def _links(page: Path) -> list[str]:
    return _LINK.findall(_without_code(page.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", _pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page):
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target} (no heading #{anchor})")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_link_checker_sees_links():
    assert len(_links(ROOT / "README.md")) >= 10
    assert "docs/cli.md" in _links(ROOT / "README.md")
