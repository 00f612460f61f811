"""`mailbot check-config` also loads every rule file: a typo in a rule name refuses to start."""

from __future__ import annotations

import shutil
from pathlib import Path

from mailbot.config import load_settings
from mailbot.rules_check import check_rules

REPO = Path(__file__).resolve().parents[1]


def config_with_rules(tmp_path: Path, rules: Path) -> Path:
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('# rules_path = "rules"', f'rules_path = "{rules}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load_cleanly(tmp_path):
    assert check_rules(load_settings(config_with_rules(tmp_path, REPO / "rules"))) == []


def test_unknown_rule_name_is_reported_with_its_file(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules, ignore=shutil.ignore_patterns("training"))
    path = rules / "desk.toml"
    text = path.read_text(encoding="utf-8")
    assert '"file_by_kind"' in text
    path.write_text(text.replace('"file_by_kind"', '"file_by_knd"', 1), encoding="utf-8")
    problems = check_rules(load_settings(config_with_rules(tmp_path, rules)))
    assert len(problems) == 1
    assert "desk.toml" in problems[0] and "file_by_knd" in problems[0]


def test_duplicate_rule_name_is_reported(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(REPO / "rules", rules, ignore=shutil.ignore_patterns("training"))
    path = rules / "loopguard.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"own_mail",', '"own_mail", "own_mail",', 1), encoding="utf-8")
    problems = check_rules(load_settings(config_with_rules(tmp_path, rules)))
    assert any("own_mail" in p and "twice" in p for p in problems), problems
