"""The Teams app package: manifest, icons, and `haven manifest teams`."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

from adapters.teams.manifest import PLACEHOLDER_ID, PLACEHOLDER_URL, build_manifest, localization, package_files
from bot.model.i18n import t

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "11111111-2222-3333-4444-555555555555"


def _png(data: bytes) -> tuple[int, int, list[int]]:
    """Width, height and every alpha value of an 8-bit RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, color = struct.unpack(">IIBB", data[16:26])
    assert (depth, color) == (8, 6)
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    alphas = [raw[y * stride + 1 + 4 * x + 3] for y in range(height) for x in range(width)]
    return width, height, alphas


def test_the_committed_manifest_folder_is_what_the_package_writer_produces() -> None:
    expected = package_files(url=PLACEHOLDER_URL, app_id=PLACEHOLDER_ID)
    for name, data in expected.items():
        assert (ROOT / "manifest" / "teams" / name).read_bytes() == data, name


def test_icons_have_the_sizes_teams_requires_and_the_outline_is_transparent() -> None:
    files = package_files(url=PLACEHOLDER_URL, app_id=PLACEHOLDER_ID)
    width, height, alphas = _png(files["color.png"])
    assert (width, height) == (192, 192) and set(alphas) == {255}
    width, height, alphas = _png(files["outline.png"])
    assert (width, height) == (32, 32) and {0, 255} <= set(alphas)


def test_haven_manifest_teams_writes_an_uploadable_zip(tmp_path: Path) -> None:
    out = tmp_path / "haven.zip"
    policy = tmp_path / "policy.yaml"
    policy.write_text((ROOT / "policy" / "default.yaml").read_text(encoding="utf-8")
                      + "links: {privacy: 'https://intra.example.org/privacy', terms: 'https://intra.example.org/terms'}\n",
                      encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "MICROSOFT_"))}
    result = subprocess.run([sys.executable, "-m", "bot.app.cli", "manifest", "teams", "--url",
                             "https://haven.example.org/", "--app-id", APP_ID, "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60,
                            env={**env, "HAVEN_POLICY": str(policy)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(out)
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "ja.json", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        japanese = json.loads(archive.read("ja.json"))
    assert manifest["localizationInfo"]["additionalLanguages"] == [{"languageTag": "ja", "file": "ja.json"}]
    assert japanese["description.short"] == t("ja", "manifest.description_short")
    assert manifest["manifestVersion"] == "1.17" and manifest["id"] == APP_ID
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP_ID and bot["scopes"] == ["personal", "team"]
    titles = {c["title"] for group in bot["commandLists"] for c in group["commands"]}
    assert {"abuse", "help", "register supervisors"} <= titles
    assert manifest["validDomains"] == ["haven.example.org"]
    assert manifest["developer"]["privacyUrl"] == "https://intra.example.org/privacy"
    assert manifest["developer"]["termsOfUseUrl"] == "https://intra.example.org/terms"
    assert "messaging" not in json.dumps(manifest).lower()  # the endpoint lives on the Azure Bot resource


def test_manifest_texts_come_from_the_locales_and_japanese_translates_every_one() -> None:
    manifest = build_manifest(url=PLACEHOLDER_URL, app_id=PLACEHOLDER_ID)
    assert manifest["description"]["full"] == t("en", "manifest.description_full")
    japanese = localization("ja")
    descriptions = [(i, j, c["description"]) for i, group in enumerate(manifest["bots"][0]["commandLists"])
                    for j, c in enumerate(group["commands"])]
    for i, j, english in descriptions:
        translated = japanese[f"bots[0].commandLists[{i}].commands[{j}].description"]
        assert translated != english and any("\u3040" <= ch <= "\u9fff" for ch in translated)
    for key in ("name.full", "description.short", "description.full"):
        assert any("\u3040" <= ch <= "\u9fff" for ch in japanese[key]), key
    assert len(japanese["description.short"]) <= 80 and len(manifest["description"]["short"]) <= 80
    assert "カスタマー" not in manifest["description"]["full"]  # English stays English
